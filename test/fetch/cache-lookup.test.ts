import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DownloadCache, probeCacheDir } from '../../src/fetch/cache.js';
import { createHttpClient } from '../../src/fetch/http.js';
import { WorldServer } from '../world/server.js';

const BODY = Buffer.from('tcz bytes\n');

let server: WorldServer;
let root: string;
beforeAll(async () => {
  server = await WorldServer.start(new Map([['/x.tcz', BODY]]));
  root = await mkdtemp(join(tmpdir(), 'mkbundle-lookup-'));
});
afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

const open = (dir: string) => new DownloadCache({ dir, client: createHttpClient({ version: 'test' }) });

describe('DownloadCache.lookup', () => {
  it('what the index holds, without a request and without making the cache', async () => {
    const dir = join(root, 'cache');
    const url = `${server.url}/x.tcz`;
    expect(await open(dir).lookup(url)).toBeUndefined();
    expect(existsSync(dir)).toBe(false);
    await open(dir).get(url);
    await open(dir).get(`${server.url}/none.dep`, { optional: true });
    server.resetLog();
    const cache = open(dir);
    expect(await cache.lookup(url)).toBe('present');
    // Credentials do not change a URL's identity, redacted or not.
    expect(await cache.lookup(url.replace('http://', 'http://***@'))).toBe('present');
    expect(await cache.lookup(`${server.url}/none.dep`)).toBe('absent');
    expect(await cache.lookup(url, { kind: 'payload', bytes: BODY.length - 1 })).toBeUndefined();
    const blob = join(dir, 'blobs', 'sha256', createHash('sha256').update(BODY).digest('hex'));
    await truncate(blob, 3);
    expect(await cache.lookup(url)).toBeUndefined();
    expect(server.count()).toBe(0);
  });

  it('an index that cannot be read names the cache', async () => {
    const dir = join(root, 'file-cache');
    await writeFile(dir, 'not a directory');
    await expect(open(dir).lookup(`${server.url}/x.tcz`)).rejects.toThrow(
      `cannot use cache directory ${dir}: not a directory`,
    );
  });
});

describe('probeCacheDir', () => {
  it('makes the cache as the first request would, then removes what it made', async () => {
    const dir = join(root, 'new', 'mkbundle');
    await probeCacheDir(dir);
    expect(existsSync(join(root, 'new'))).toBe(false);
    const kept = join(root, 'kept');
    await mkdir(join(kept, 'index'), { recursive: true });
    await probeCacheDir(kept);
    expect(existsSync(join(kept, 'index'))).toBe(true);
    expect(existsSync(join(kept, 'tmp'))).toBe(false);
  });

  it('a place that takes no directories is the error the run would give', async () => {
    await expect(probeCacheDir('/proc/mkbundle-cache')).rejects.toThrow(
      'cannot use cache directory /proc/mkbundle-cache: /proc takes no new directories',
    );
  });
});
