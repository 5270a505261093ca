/**
 * The real bundle stage (the CLI, in a child) on a cache that `cache prune`
 * (as hard as it goes: every entry not in use, down to one byte) and
 * `cache verify` keep working on until the build ends: into an empty cache,
 * then with -r from that cache left alone for 40 days. Each build succeeds
 * and its bundle is byte-identical to one built on a quiet cache; once the
 * builds have ended, a prune empties the cache.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { listCache, pruneCache, verifyCache } from '../../src/cache/index.js';
import { packageRoot } from '../../src/version.js';
import { startWorld, type World } from '../world/index.js';
import { cacheFiles, DAY, lastUsed } from './helpers.js';

const BIN = join(packageRoot(), 'dist', 'src', 'cli', 'bin.js');
const BUNDLE = 'razor-microkernel-bundle-prod.tar.gz';
let dir: string;
let world: World;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-cache-beside-'));
  world = await startWorld(join(dir, 'world'));
});
afterAll(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

/** A prod bundle build with its own XDG_CACHE_HOME: its exit code and what it printed on stderr. */
async function build(cacheHome: string, out: string, extra: readonly string[] = []) {
  const child = spawn(
    process.execPath,
    [BIN, '-b', world.builtinList, '-m', world.mirrorList, ...world.flags, '--out', out, '-p', ...extra],
    {
      env: { PATH: process.env.PATH, XDG_CACHE_HOME: cacheHome, SOURCE_DATE_EPOCH: '1700000000' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stderr };
}

/** `build` with prune and verify looping on its cache until it ends. */
async function buildBeside(cacheHome: string, out: string, extra: readonly string[] = []) {
  const cache = join(cacheHome, 'mkbundle');
  let done = false;
  const built = build(cacheHome, out, extra).finally(() => {
    done = true;
  });
  while (!done) {
    await pruneCache(cache, { olderThanMs: 0, maxBytes: 1 });
    await verifyCache(cache);
  }
  return built;
}

it('a build beside prune and verify loops succeeds with the same bundle, cold and from an old cache with -r', async () => {
  expect(await build(join(dir, 'quiet'), join(dir, 'reference'))).toMatchObject({ code: 0 });
  const reference = await readFile(join(dir, 'reference', BUNDLE));

  const cacheHome = join(dir, 'busy');
  const cold = await buildBeside(cacheHome, join(dir, 'cold'));
  expect(cold.code, cold.stderr).toBe(0);
  expect((await readFile(join(dir, 'cold', BUNDLE))).equals(reference)).toBe(true);

  const cache = join(cacheHome, 'mkbundle');
  await lastUsed(await cacheFiles(cache), 40 * DAY);
  const warm = await buildBeside(cacheHome, join(dir, 'warm'), ['-r']);
  expect(warm.code, warm.stderr).toBe(0);
  expect((await readFile(join(dir, 'warm', BUNDLE))).equals(reference)).toBe(true);

  await pruneCache(cache, { olderThanMs: 0 });
  expect((await listCache(cache)).totals).toMatchObject({ entries: 0, blobs: 0, tempFiles: 0 });
});
