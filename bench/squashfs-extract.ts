/**
 * Extraction benchmark: our SquashfsImage.extract() against `unsquashfs -d`
 * on the same gzip, 4 KiB-block image (Tiny Core's parameters).
 *
 *   npm run build && node dist/bench/squashfs-extract.js [--mb 64] [--rounds 5] [--threads N] [--dir DIR]
 *
 * Each round runs both tools in fresh child processes under /usr/bin/time,
 * alternating which goes first, so wall time and peak RSS are measured the
 * same way for both. Ours also reports the time extract() itself took.
 */
import { execFile } from 'node:child_process';
import { lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { SquashfsImage } from '../src/squashfs/index.js';
import { fmtMiB, fmtMs, median, timed } from './lib/measure.js';
import { writeBenchTree } from './lib/squashfs-tree.js';

interface Run {
  wallMs: number;
  maxRssKiB: number;
  extractMs?: number;
}

/** Child mode: extract one image and report how long extract() took. */
async function child(image: string, dest: string, threads: number): Promise<void> {
  const img = await SquashfsImage.open(image);
  const start = performance.now();
  await img.extract(dest, { allowDevices: true, threads });
  const extractMs = performance.now() - start;
  await img.close();
  process.stdout.write(JSON.stringify({ extractMs }));
}

/** Path -> size/mode summary of an extracted tree, to check both tools agree. */
async function summary(root: string): Promise<string> {
  const lines: string[] = [];
  const visit = async (rel: string): Promise<void> => {
    for (const name of (await readdir(join(root, rel))).sort()) {
      const path = join(rel, name);
      const st = await lstat(join(root, path));
      lines.push(`${path} ${st.mode.toString(8)} ${st.isFile() ? st.size : 0}`);
      if (st.isDirectory()) await visit(path);
    }
  };
  await visit('');
  return lines.join('\n');
}

const execFileAsync = promisify(execFile);
const fmt = fmtMs;
const mib = fmtMiB;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      child: { type: 'boolean', default: false },
      mb: { type: 'string', default: '64' },
      rounds: { type: 'string', default: '5' },
      threads: { type: 'string', default: '0' },
      dir: { type: 'string', default: tmpdir() },
    },
  });
  const threads = Number(values.threads);
  if (values.child) {
    const [image, dest] = positionals;
    if (!image || !dest) throw new Error('--child IMAGE DEST');
    await child(image, dest, threads);
    return;
  }

  const dir = await mkdtemp(join(values.dir, 'mkbundle-bench-sqfs-'));
  try {
    const source = join(dir, 'src');
    const tree = await writeBenchTree(source, Number(values.mb));
    const image = join(dir, 'bench.tcz');
    const packStart = performance.now();
    await execFileAsync('mksquashfs', [
      source,
      image,
      '-comp',
      'gzip',
      '-b',
      '4096',
      '-noappend',
      '-no-progress',
      '-quiet',
    ]);
    const imageSize = (await lstat(image)).size;
    console.log(
      `tree: ${tree.files} files, ${(tree.bytes / 1048576).toFixed(1)} MiB; image ${(imageSize / 1048576).toFixed(1)} MiB ` +
        `(mksquashfs ${((performance.now() - packStart) / 1000).toFixed(1)} s)`,
    );

    await execFileAsync('sync');
    const self = fileURLToPath(import.meta.url);
    const theirs: Run[] = [];
    const ours: Run[] = [];
    const rounds = Number(values.rounds);
    for (let round = 0; round < rounds; round++) {
      const runUnsquashfs = async () => {
        const dest = join(dir, `unsquashfs-${round}`);
        theirs.push(await timed('unsquashfs', ['-q', '-n', '-d', dest, image]));
      };
      const runOurs = async () => {
        const dest = join(dir, `ours-${round}`);
        const run = await timed(process.execPath, [self, '--child', '--threads', String(threads), image, dest]);
        ours.push({ ...run, extractMs: (JSON.parse(run.stdout) as { extractMs: number }).extractMs });
      };
      if (round % 2 === 0) {
        await runUnsquashfs();
        await runOurs();
      } else {
        await runOurs();
        await runUnsquashfs();
      }
      if (round === 0) {
        const [a, b] = await Promise.all([summary(join(dir, 'ours-0')), summary(join(dir, 'unsquashfs-0'))]);
        if (a !== b) throw new Error('our extraction differs from unsquashfs');
      }
      await Promise.all([
        rm(join(dir, `ours-${round}`), { recursive: true }),
        rm(join(dir, `unsquashfs-${round}`), { recursive: true }),
      ]);
      // Start every round with no dirty pages, so neither tool pays for the other's writeback.
      await execFileAsync('sync');
      const t = theirs[round] as Run;
      const o = ours[round] as Run;
      console.log(
        `round ${round + 1}: unsquashfs ${fmt(t.wallMs)} ${mib(t.maxRssKiB)} | ours extract() ${fmt(o.extractMs ?? 0)}, ` +
          `process ${fmt(o.wallMs)} ${mib(o.maxRssKiB)}`,
      );
    }
    const unsquashfsMs = median(theirs.map((r) => r.wallMs));
    const extractMs = median(ours.map((r) => r.extractMs ?? 0));
    const processMs = median(ours.map((r) => r.wallMs));
    console.log(
      `median: unsquashfs ${fmt(unsquashfsMs)}, peak RSS ${mib(median(theirs.map((r) => r.maxRssKiB)))}\n` +
        `        ours extract() ${fmt(extractMs)}, whole process ${fmt(processMs)}, peak RSS ${mib(median(ours.map((r) => r.maxRssKiB)))}\n` +
        `ratio ours/unsquashfs: extract() ${(extractMs / unsquashfsMs).toFixed(2)}, whole process ${(processMs / unsquashfsMs).toFixed(2)}`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
