/**
 * ISO stage benchmark: `mkbundle iso` with each `--compress` against the
 * original shell pipeline (bench/original-rebuild.sh: zcat | cpio -i as root,
 * tar x, find | cpio -o -H newc | gzip -9, advdef -z4, xorriso) on the same
 * prod bundle, in one run, rotating which goes first; medians of wall time,
 * CPU, peak RSS and core.gz size, each as a ratio to the original's.
 *
 * `--scale real` (the default) grows the test world's bundle to a real one's
 * size from this machine's files (bench/lib/real-bundle.ts: a ~6 MB core.gz,
 * ~27 MB of builtin .tcz); `--scale test` uses the test world's bundle as it is.
 * Runs as root (the original pipeline needs it). The machine is shared:
 *
 *   npm run build && nice -n 19 node dist/bench/iso-stage.js [--rounds 3] [--scale real|test] [--save FILE]
 *
 * `--save FILE` keeps a copy of the bundle measured (with `--rounds 0`: only makes it); `--bundle FILE`
 * measures a bundle made so before instead of making one.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { main } from '../src/cli/main.js';
import { gzipBuffer, MAX_LEVEL } from '../src/deflate/libdeflate.js';
import { MANIFEST_PATH } from '../src/initramfs/manifest.js';
import { extractFromIso } from '../src/iso/read.js';
import { packageRoot } from '../src/version.js';
import { startWorld } from '../test/world/index.js';
import { cpioWithout } from './lib/cpio-without.js';
import { fmtMiB, fmtMs, median, type Timed, timed } from './lib/measure.js';
import { makeRealBundle } from './lib/real-bundle.js';

const VERSION = '0.9.0.1';
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    scale: { type: 'string', default: 'real' },
    save: { type: 'string' },
    bundle: { type: 'string' },
  },
});
const rounds = Number(values.rounds);
if (values.scale !== 'real' && values.scale !== 'test') throw new Error('--scale is real or test');
const root = packageRoot();
const dir = await mkdtemp(join(tmpdir(), 'mk-bench-iso-'));
const sink = { write: () => true } as unknown as NodeJS.WritableStream & { isTTY?: boolean };

interface Sample extends Timed {
  readonly coreGz: number;
  /** gzip members in core.gz. */
  readonly members: number;
}

type Key = 'wallMs' | 'cpuMs' | 'maxRssKiB' | 'coreGz';
const m = (list: readonly Sample[], key: Key) => median(list.map((r) => r[key]));
/** The machine's 1, 5 and 15 minute load averages: the bench shares it. */
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** One line per run as it ends, so that a long bench shows its samples. */
function logRun(name: string, t: Sample): void {
  console.log(
    `  ${name}: wall ${fmtMs(t.wallMs).trim()}, CPU ${fmtMs(t.cpuMs).trim()}, peak RSS ${fmtMiB(t.maxRssKiB).trim()}, ` +
      `core.gz ${t.coreGz} B in ${t.members} member${t.members === 1 ? '' : 's'}; load ${load()}`,
  );
}

try {
  const bundle = values.bundle ?? (await makeBundle());
  if (values.save !== undefined) await copyFile(bundle, values.save);
  // The command as installed: package.json's bin, the bundled CLI.
  const bin = join(root, 'dist', 'mkbundle.mjs');

  const ORIGINAL = 'original pipeline (root)';
  const runs = new Map<string, Sample[]>([[ORIGINAL, []]]);
  const encoders = ['libdeflate', 'max', 'advdef', 'gzip'] as const;
  const ours = (encoder: (typeof encoders)[number]) => {
    const name = `mkbundle iso --compress ${encoder}`;
    runs.set(name, []);
    return async () => {
      const out = join(dir, 'ours');
      const t = await timed(process.execPath, [
        bin,
        'iso',
        bundle,
        VERSION,
        '--out',
        out,
        '--json',
        '--compress',
        encoder,
      ]);
      const result = JSON.parse(t.stdout) as { iso: { initrd: { size: number; members: number } } };
      const sample = { ...t, coreGz: result.iso.initrd.size, members: result.iso.initrd.members };
      runs.get(name)?.push(sample);
      logRun(name, sample);
      if (encoder === 'libdeflate' && runs.get(name)?.length === 1) await reportManifestCost(out);
      await rm(out, { recursive: true, force: true });
    };
  };
  const original = async () => {
    const work = join(dir, 'original');
    const t = await timed('bash', [join(root, 'bench', 'original-rebuild.sh'), work, bundle, VERSION]);
    const sample = { ...t, coreGz: Number(t.stdout.trim().split('\n').at(-1)), members: 1 };
    runs.get(ORIGINAL)?.push(sample);
    logRun(ORIGINAL, sample);
    if (runs.get(ORIGINAL)?.length === 1) {
      // Ours holds more (the manifest), so the encoders are compared on the original's own cpio too.
      const cpio = gunzipSync(await readFile(join(work, 'newiso', 'boot', 'core.gz')));
      const deflated = (await gzipBuffer(cpio, MAX_LEVEL)).length;
      console.log(
        `  the original's cpio (${cpio.length} B): advdef -z4 ${sample.coreGz} B, libdeflate 12 ${deflated} B ` +
          `(${(deflated / sample.coreGz).toFixed(5)}×), gzip -9 ${gzipSync(cpio, { level: 9 }).length} B`,
      );
    }
    await rm(work, { recursive: true, force: true });
  };
  console.log(`load before the runs: ${load()} (${availableParallelism()} CPUs)`);
  const all = [original, ...encoders.map(ours)];
  for (let round = 0; round < rounds; round++) {
    // Each round starts one later, so that no run always follows the same one (page cache, CPU heat).
    for (let i = 0; i < all.length; i++) await (all[(round + i) % all.length] as () => Promise<void>)();
  }
  if (rounds > 0)
    report(
      runs,
      runs.get(ORIGINAL) ?? [],
      `bundle ${(await stat(bundle)).size} B, ${rounds} rounds, medians (ratio to the original):`,
    );
} finally {
  await rm(dir, { recursive: true, force: true });
}

/**
 * What our image holds beyond the original's is mostly the manifest
 * (usr/share/mkbundle/manifest): our cpio with and without it, each as one
 * libdeflate 12 member, shows what it costs.
 */
async function reportManifestCost(out: string): Promise<void> {
  const coreGz = join(dir, 'ours-core.gz');
  await extractFromIso(join(out, `rz_mk_prod-image.${VERSION}.iso`), 'boot/core.gz', coreGz);
  const cpio = gunzipSync(await readFile(coreGz));
  await rm(coreGz);
  const whole = (await gzipBuffer(cpio, MAX_LEVEL)).length;
  const without = (await gzipBuffer(cpioWithout(cpio, MANIFEST_PATH), MAX_LEVEL)).length;
  console.log(
    `  our cpio (${cpio.length} B) as one libdeflate 12 member: ${whole} B; without ${MANIFEST_PATH}: ${without} B ` +
      `(the manifest costs ${whole - without} B)`,
  );
}

/** The test world's prod bundle, grown to a real one's size unless `--scale test`. */
async function makeBundle(): Promise<string> {
  const world = await startWorld(join(dir, 'world'), { bootable: true });
  const code = await main(['-b', world.builtinList, '-m', world.mirrorList, '-p', ...world.flags, '--out', dir], {
    stdout: sink as never,
    stderr: sink as never,
    env: { ...process.env, XDG_CACHE_HOME: join(dir, 'cache') },
  });
  await world.close();
  if (code !== 0) throw new Error('building the bundle failed');
  const small = join(dir, 'razor-microkernel-bundle-prod.tar.gz');
  if (values.scale === 'test') return small;
  const real = join(dir, 'razor-microkernel-bundle-real.tar.gz');
  await mkdir(join(dir, 'real'));
  const made = await makeRealBundle(small, join(dir, 'real'), real);
  await rm(join(dir, 'real'), { recursive: true, force: true });
  const tcz = made.extensions.reduce((sum, e) => sum + e.bytes, 0);
  console.log(
    `real-scale bundle: core.gz ${made.coreGz} B (+${made.coreFilesAdded} files), builtin .tcz ${tcz} B in ` +
      `${made.extensions.map((e) => `${e.name} ${e.bytes} B (${e.files} files)`).join(', ')}; ` +
      `overlay ${made.overlay} B, bundle ${made.bundle} B`,
  );
  return real;
}

function report(runs: ReadonlyMap<string, readonly Sample[]>, base: readonly Sample[], title: string): void {
  const ratio = (list: readonly Sample[], key: Key) =>
    `${(m(list, key) / m(base, key)).toFixed(key === 'coreGz' ? 5 : 3)}×`;
  console.log(title);
  console.log(
    `${''.padEnd(36)}${'wall'.padStart(18)}${'CPU'.padStart(19)}${'peak RSS'.padStart(22)}${'core.gz'.padStart(25)}`,
  );
  for (const [name, list] of runs) {
    console.log(
      `${name.padEnd(36)}${fmtMs(m(list, 'wallMs'))} ${ratio(list, 'wallMs').padStart(8)}` +
        `${fmtMs(m(list, 'cpuMs'))} ${ratio(list, 'cpuMs').padStart(8)}` +
        `  ${fmtMiB(m(list, 'maxRssKiB'))} ${ratio(list, 'maxRssKiB').padStart(8)}` +
        `  ${String(m(list, 'coreGz')).padStart(10)} B ${ratio(list, 'coreGz').padStart(9)}`,
    );
  }
  // The issue's targets, for the default and for max.
  for (const encoder of ['libdeflate', 'max']) {
    const ours = runs.get(`mkbundle iso --compress ${encoder}`) ?? [];
    const rssLimitKiB = (2 * m(ours, 'coreGz')) / 1024 + 100 * 1024;
    console.log(
      `targets (${encoder}): wall ${ratio(ours, 'wallMs')} ≤ 0.15×; core.gz ${ratio(ours, 'coreGz')} ≤ 1.000× ` +
        `(${m(ours, 'coreGz') - m(base, 'coreGz')} B); peak RSS ${fmtMiB(m(ours, 'maxRssKiB')).trim()} ≤ ` +
        `2 × core.gz + 100 MiB = ${fmtMiB(rssLimitKiB).trim()}`,
    );
  }
  console.log(`load after the runs: ${load()}`);
}
