/**
 * ISO stage benchmark: `mkbundle iso` against the original shell pipeline
 * (bench/original-rebuild.sh: zcat | cpio -i as root, tar x, find | cpio -o
 * -H newc | gzip -9, advdef -z4, xorriso) on the same prod bundle of the
 * bootable test world, in one run, alternating which goes first.
 *
 *   npm run build && node dist/bench/iso-stage.js [--rounds 3]
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { main } from '../src/cli/main.js';
import { packageRoot } from '../src/version.js';
import { startWorld } from '../test/world/index.js';
import { fmtMiB, fmtMs, median, timed } from './lib/measure.js';

const VERSION = '0.9.0.1';
const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
const rounds = Number(values.rounds);
const root = packageRoot();
const dir = await mkdtemp(join(tmpdir(), 'mk-bench-iso-'));
const sink = { write: () => true } as unknown as NodeJS.WritableStream & { isTTY?: boolean };

try {
  const world = await startWorld(join(dir, 'world'), { bootable: true });
  const code = await main(['-b', world.builtinList, '-m', world.mirrorList, '-p', ...world.flags, '--out', dir], {
    stdout: sink as never,
    stderr: sink as never,
    env: { ...process.env, XDG_CACHE_HOME: join(dir, 'cache') },
  });
  await world.close();
  if (code !== 0) throw new Error('building the bundle failed');
  const bundle = join(dir, 'razor-microkernel-bundle-prod.tar.gz');
  const bin = join(root, 'dist', 'src', 'cli', 'bin.js');

  const runs: Record<string, { wallMs: number; maxRssKiB: number; coreGz: number }[]> = {
    'mkbundle iso': [],
    'mkbundle iso --no-recompress': [],
    'original pipeline (root)': [],
  };
  const ours = async (name: string, extra: string[]) => {
    const out = join(dir, 'ours');
    const t = await timed(process.execPath, [bin, 'iso', bundle, VERSION, '--out', out, '--json', ...extra]);
    const result = JSON.parse(t.stdout) as { initrd: { size: number } };
    runs[name]?.push({ ...t, coreGz: result.initrd.size });
    await rm(out, { recursive: true, force: true });
  };
  const original = async () => {
    const work = join(dir, 'original');
    const t = await timed('bash', [join(root, 'bench', 'original-rebuild.sh'), work, bundle, VERSION]);
    runs['original pipeline (root)']?.push({ ...t, coreGz: Number(t.stdout.trim().split('\n').at(-1)) });
    await rm(work, { recursive: true, force: true });
  };
  for (let round = 0; round < rounds; round++) {
    const order =
      round % 2 === 0 ? [original, () => ours('mkbundle iso', [])] : [() => ours('mkbundle iso', []), original];
    for (const run of order) await run();
    await ours('mkbundle iso --no-recompress', ['--no-recompress']);
  }
  const base = runs['original pipeline (root)'] ?? [];
  const baseWall = median(base.map((r) => r.wallMs));
  const baseRss = median(base.map((r) => r.maxRssKiB));
  console.log(`bundle ${(await stat(bundle)).size} bytes, ${rounds} rounds, medians:`);
  console.log('                               wall        peak RSS      core.gz     wall ratio  RSS ratio');
  for (const [name, list] of Object.entries(runs)) {
    const wall = median(list.map((r) => r.wallMs));
    const rss = median(list.map((r) => r.maxRssKiB));
    const core = median(list.map((r) => r.coreGz));
    console.log(
      `${name.padEnd(30)} ${fmtMs(wall)}  ${fmtMiB(rss)}  ${String(core).padStart(10)} B  ${(wall / baseWall).toFixed(2).padStart(8)}  ${(rss / baseRss).toFixed(2).padStart(8)}`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
