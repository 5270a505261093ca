import { createHash } from 'node:crypto';
import { readdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { DownloadCache } from '../../src/fetch/cache.js';
import { createHttpClient } from '../../src/fetch/http.js';
import { WorldServer } from '../world/server.js';

export const hex = (alg: 'sha256' | 'md5', b: Buffer | string): string => createHash(alg).update(b).digest('hex');

/** What the cache tests' world serves: three extensions, one of them at a second mirror too (one blob, two entries). */
export const BODIES = {
  a: Buffer.alloc(200_000, 'a.tcz-'),
  b: Buffer.alloc(100_000, 'b.tcz-'),
  c: Buffer.alloc(50_000, 'c.tcz-'),
} as const;

export const PATHS = {
  a: '/tcz/a.tcz',
  b: '/tcz/b.tcz',
  c: '/tcz/c.tcz',
  aAgain: '/mirror2/tcz/a.tcz',
} as const;

/** Never served: its get records a 404. */
export const MISSING_DEP = '/tcz/a.tcz.dep';

export function startCacheWorld(): Promise<WorldServer> {
  return WorldServer.start(
    new Map([
      [PATHS.a, BODIES.a],
      [PATHS.b, BODIES.b],
      [PATHS.c, BODIES.c],
      [PATHS.aAgain, BODIES.a],
    ]),
  );
}

export function openCache(dir: string): DownloadCache {
  return new DownloadCache({
    dir,
    client: createHttpClient({ version: 'test', retry: { limit: 1, baseDelayMs: 2, maxDelayMs: 10 } }),
  });
}

/** Fills `dir` through the cache as a run would: every path, and the missing `.dep` (a recorded 404). */
export async function fillCache(server: WorldServer, dir: string): Promise<void> {
  const cache = openCache(dir);
  for (const path of Object.values(PATHS)) await cache.get(`${server.url}${path}`);
  await cache.get(`${server.url}${MISSING_DEP}`, { optional: true });
}

export const indexFile = (dir: string, url: string): string => join(dir, 'index', `${hex('sha256', url)}.json`);
export const blobFile = (dir: string, body: Buffer): string => join(dir, 'blobs', 'sha256', hex('sha256', body));

/** Sets the mtime (last use) of `paths` to `msAgo` before now. */
export async function lastUsed(paths: readonly string[], msAgo: number): Promise<void> {
  const then = (Date.now() - msAgo) / 1000;
  for (const path of paths) await utimes(path, then, then);
}

/** Every index file and blob of `dir`. */
export async function cacheFiles(dir: string): Promise<string[]> {
  const list = async (sub: string) => (await readdir(join(dir, sub)).catch(() => [])).map((n) => join(dir, sub, n));
  return [...(await list('index')), ...(await list(join('blobs', 'sha256')))];
}

export const DAY = 24 * 60 * 60 * 1000;
