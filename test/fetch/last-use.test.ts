/**
 * What `cache ls` shows as last use and `cache prune` goes by: a run that
 * uses an entry sets its index file's and its blob's mtime, without
 * rewriting the entry.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DownloadCache } from '../../src/fetch/cache.js';
import { createHttpClient } from '../../src/fetch/http.js';
import { WorldServer } from '../world/server.js';

const BODY = Buffer.alloc(50_000, 'tcz-');
const hex = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const TEN_DAYS_S = 10 * 24 * 60 * 60;

let server: WorldServer;
let root: string;
let n = 0;

beforeAll(async () => {
  server = await WorldServer.start(new Map([['/tcz/a.tcz', BODY]]));
  root = await mkdtemp(join(tmpdir(), 'mkbundle-last-use-'));
});
afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

const open = (dir: string) => new DownloadCache({ dir, client: createHttpClient({ version: 'test' }) });

/** A cache holding a.tcz and a recorded 404, both last used ten days ago. */
async function oldCache() {
  n += 1;
  const dir = join(root, `c${n}`);
  const url = `${server.url}/tcz/a.tcz`;
  const dep = `${server.url}/tcz/a.tcz.dep`;
  await open(dir).get(url);
  await open(dir).get(dep, { optional: true });
  const files = {
    index: join(dir, 'index', `${hex(url)}.json`),
    depIndex: join(dir, 'index', `${hex(dep)}.json`),
    blob: join(dir, 'blobs', 'sha256', hex(BODY)),
  };
  const then = Date.now() / 1000 - TEN_DAYS_S;
  for (const path of Object.values(files)) await utimes(path, then, then);
  return { dir, url, dep, files };
}

const daysOld = async (path: string) => (Date.now() - (await stat(path)).mtimeMs) / 86_400_000;

it('an offline hit and a 304 each set the entry’s and the blob’s mtime, and leave the entry’s bytes as they were', async () => {
  for (const offline of [true, false]) {
    const { dir, url, files } = await oldCache();
    const before = await readFile(files.index);
    server.resetLog();
    const file = await open(dir).get(url, { policy: offline ? 'prefer-cache' : 'revalidate' });
    expect(file.fromCache).toBe(true);
    expect(server.requests.map((r) => r.status)).toEqual(offline ? [] : [304]);
    expect(await daysOld(files.index)).toBeLessThan(1);
    expect(await daysOld(files.blob)).toBeLessThan(1);
    expect((await readFile(files.index)).equals(before)).toBe(true);
  }
});

it('a recorded 404 used offline sets its entry’s mtime', async () => {
  const { dir, dep, files } = await oldCache();
  expect(await open(dir).get(dep, { policy: 'prefer-cache', optional: true })).toBeNull();
  expect(await daysOld(files.depIndex)).toBeLessThan(1);
});

it('a download gives the new blob and entry fresh mtimes; an entry over the size limit is not used, nor touched', async () => {
  const { dir, url, files } = await oldCache();
  await rm(files.index);
  await open(dir).get(url);
  expect(await daysOld(files.index)).toBeLessThan(1);
  expect(await daysOld(files.blob)).toBeLessThan(1);

  const old = await oldCache();
  const small = { kind: 'payload', bytes: 1000 } as const;
  await expect(open(old.dir).get(old.url, { policy: 'prefer-cache', limit: small })).rejects.toThrow();
  expect(await daysOld(old.files.blob)).toBeGreaterThan(9);
});
