/**
 * The bundle stage against the seed script's request pattern, on the test
 * world (the seed's default lists, prod, the Core ISO that boots) with
 * 20 ms added to every request: `mkbundle` cold (empty cache) and `-r`
 * against what the seed did, one `wget` after another for the same URLs
 * (those the cold run asked for, from the server log) and then `tar -czf`
 * of the overlay and of the bundle tree. Alternating rounds, medians of
 * wall and CPU (GNU time: the process and its children). Then the tarball
 * writer alone: one zlib -9 stream (the old writer) against libdeflate
 * members, on this bundle and overlay and, when run as root, at real scale
 * (bench/lib/real-bundle.ts). Run it under `nice -n 19` on a shared machine.
 *
 *   npm run build && nice -n 19 node dist/bench/bundle.js [ROUNDS]
 */

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startWorld } from '../test/world/index.js';
import { fmtMs, median, type Timed, timed } from './lib/measure.js';
import { makeRealBundle } from './lib/real-bundle.js';
import { compareWriters, type WriterFigures } from './lib/writers.js';

const ROUNDS = Number(process.argv[2] ?? 5);
const LATENCY_MS = 20;
/** The command as installed: package.json's bin, the bundled CLI. */
const BIN = fileURLToPath(new URL('../mkbundle.mjs', import.meta.url));
const SERIAL_FETCH = fileURLToPath(new URL('./lib/serial-fetch.js', import.meta.url));
const BUNDLE = 'razor-microkernel-bundle-prod.tar.gz';
const OVERLAY = 'dependencies/razor-microkernel-overlay.tar.gz';

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const loadBefore = load();
const dir = await mkdtemp(join(tmpdir(), 'mk-bench-bundle-'));
try {
  const world = await startWorld(join(dir, 'world'), { bootable: true });
  world.server.setLatency(LATENCY_MS);
  const mkbundle = async (out: string, cache: string, extra: readonly string[]) => {
    world.server.resetLog();
    const args = ['-b', world.builtinList, '-m', world.mirrorList, '-p', ...world.flags, '--out', out, '--json'];
    const run = await timed(process.execPath, [BIN, ...args, ...extra], { ...process.env, XDG_CACHE_HOME: cache });
    const result = (JSON.parse(run.stdout) as { bundle: { downloads: { requests: number } } }).bundle.downloads;
    if (result.requests !== world.server.count()) throw new Error('the server log and the run disagree');
    return { ...run, requests: result.requests };
  };

  // The first cold run: its requests are the seed pattern's URL list, its output the tree the seed would tar.
  const warmCache = join(dir, 'cache-warm');
  const first = await mkbundle(join(dir, 'out-first'), warmCache, []);
  const urls = world.server.requests.map((r) => `${world.server.url}${encodeURI(r.path)}`);
  const urlList = join(dir, 'urls.txt');
  await writeFile(urlList, `${urls.join('\n')}\n`);
  const bundleTree = join(dir, 'seed', 'build_dir');
  const overlayTree = join(dir, 'seed', 'tmp-build-dir');
  await mkdir(bundleTree, { recursive: true });
  await mkdir(overlayTree, { recursive: true });
  await timed('tar', ['-xzf', join(dir, 'out-first', BUNDLE), '-C', bundleTree]);
  await timed('tar', ['-xzf', join(bundleTree, OVERLAY), '-C', overlayTree]);

  const serial = async () => {
    const downloads = join(dir, 'seed', 'downloads');
    await rm(downloads, { recursive: true, force: true });
    const fetch = await timed(process.execPath, [SERIAL_FETCH, urlList, downloads]);
    // As the seed: the overlay tarball into the bundle tree, then the bundle tarball (tar's gzip, level 6).
    const tar = await timed('bash', [
      '-c',
      `tar -czf ${join(bundleTree, OVERLAY)} -C ${overlayTree} . && tar -czf ${join(dir, 'seed', BUNDLE)} -C ${bundleTree} .`,
    ]);
    return { fetch, tar };
  };

  type Variant = 'cold' | 'reuse' | 'serial';
  const results = { cold: [] as Timed[], reuse: [] as Timed[], fetch: [] as Timed[], tar: [] as Timed[] };
  const requests = { cold: first.requests, reuse: -1 };
  const variants: Variant[] = ['cold', 'reuse', 'serial'];
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of [...variants.slice(round % 3), ...variants.slice(0, round % 3)]) {
      if (variant === 'serial') {
        const { fetch, tar } = await serial();
        results.fetch.push(fetch);
        results.tar.push(tar);
        continue;
      }
      const cache = variant === 'cold' ? join(dir, `cache-${round}`) : warmCache;
      const run = await mkbundle(join(dir, `out-${variant}`), cache, variant === 'reuse' ? ['-r'] : []);
      if (variant === 'cold') await rm(cache, { recursive: true, force: true });
      requests[variant] = run.requests;
      results[variant].push(run);
    }
  }
  await world.close();

  const med = (runs: readonly Timed[], key: 'wallMs' | 'cpuMs') => median(runs.map((r) => r[key]));
  const seedWall = median(results.fetch.map((f, i) => f.wallMs + (results.tar[i] as Timed).wallMs));
  const seedCpu = median(results.fetch.map((f, i) => f.cpuMs + (results.tar[i] as Timed).cpuMs));
  const tarWall = med(results.tar, 'wallMs');
  const tarCpu = med(results.tar, 'cpuMs');
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2).padStart(6)}×`;
  console.log(
    `bundle stage, test world (default lists, prod, bootable Core ISO), ${LATENCY_MS} ms per request, ${ROUNDS} rounds, medians`,
  );
  console.log(`${''.padEnd(34)}${'wall'.padStart(9)}${'CPU'.padStart(10)}  requests  wall/seed  CPU/seed`);
  const row = (label: string, wall: number, cpu: number, reqs: string, vsWall: number, vsCpu: number) =>
    console.log(
      `${label.padEnd(34)}${fmtMs(wall)} ${fmtMs(cpu)}  ${reqs.padStart(8)}  ${ratio(wall, vsWall)}  ${ratio(cpu, vsCpu)}`,
    );
  row('seed pattern: serial wget + tar', seedWall, seedCpu, String(urls.length), seedWall, seedCpu);
  row('  of which serial fetch', med(results.fetch, 'wallMs'), med(results.fetch, 'cpuMs'), '', seedWall, seedCpu);
  row('  of which tar -czf (gzip -6)', tarWall, tarCpu, '', seedWall, seedCpu);
  row(
    'mkbundle cold',
    med(results.cold, 'wallMs'),
    med(results.cold, 'cpuMs'),
    String(requests.cold),
    seedWall,
    seedCpu,
  );
  row(
    'mkbundle -r',
    med(results.reuse, 'wallMs'),
    med(results.reuse, 'cpuMs'),
    String(requests.reuse),
    seedWall,
    seedCpu,
  );
  row(
    'mkbundle -r vs the seed’s -r (tar)',
    med(results.reuse, 'wallMs'),
    med(results.reuse, 'cpuMs'),
    '',
    tarWall,
    tarCpu,
  );
  console.log(`peak RSS: mkbundle cold ${Math.max(...results.cold.map((r) => r.maxRssKiB))} KiB`);

  const writers = async (label: string, trees: readonly [string, string][]) => {
    for (const [name, tree] of trees) {
      report(`${label} ${name}`, await compareWriters(tree, dir, ROUNDS));
    }
  };
  console.log(`\ntarball writer alone, ${ROUNDS} rounds alternating, medians (CPU includes the thread pool)`);
  console.log(
    `${''.padEnd(30)}${'tar'.padStart(11)}${'zlib -9'.padStart(11)}${'members'.padStart(11)}  size ratio  ${'CPU zlib'.padStart(9)}${'CPU members'.padStart(12)}  CPU ratio  wall ratio`,
  );
  await writers('test world', [
    ['overlay', overlayTree],
    ['bundle', bundleTree],
  ]);
  if (process.getuid?.() === 0) {
    const real = join(dir, 'real');
    await mkdir(real);
    await makeRealBundle(join(dir, 'out-first', BUNDLE), real, join(real, BUNDLE));
    const realBundle = join(real, 'bundle-tree');
    const realOverlay = join(real, 'overlay-tree');
    await mkdir(realBundle);
    await mkdir(realOverlay);
    await timed('tar', ['-xzf', join(real, BUNDLE), '-C', realBundle]);
    await timed('tar', ['-xzf', join(realBundle, OVERLAY), '-C', realOverlay]);
    await writers('real scale', [
      ['overlay', realOverlay],
      ['bundle', realBundle],
    ]);
  } else {
    console.log('real scale: skipped (makeRealBundle unpacks device nodes: run as root)');
  }
  console.log(`\nload average before: ${loadBefore}; after: ${load()} (2 cores)`);
} finally {
  await rm(dir, { recursive: true, force: true });
}

function report(label: string, f: WriterFigures): void {
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(2)} MiB`.padStart(11);
  console.log(
    `${label.padEnd(30)}${mib(f.tarBytes)}${mib(f.old.size)}${mib(f.members.size)}  ${(f.members.size / f.old.size).toFixed(4).padStart(9)}×  ${fmtMs(f.old.cpuMs)}  ${fmtMs(f.members.cpuMs)}  ${(f.members.cpuMs / f.old.cpuMs).toFixed(2).padStart(8)}×  ${(f.members.wallMs / f.old.wallMs).toFixed(2).padStart(8)}×`,
  );
}
