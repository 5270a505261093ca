import { createHash } from 'node:crypto';
import {
  chmod,
  open as fsOpen,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IntegrityError } from '../../src/errors.js';
import { type CacheOptions, DownloadCache, defaultCacheDir, NotCachedError } from '../../src/fetch/cache.js';
import { HttpError } from '../../src/fetch/failure.js';
import { createHttpClient, type Timeouts } from '../../src/fetch/http.js';
import { WorldServer } from '../world/server.js';

const TCZ = Buffer.alloc(300_000, 'tcz-bytes-');
const DEP = Buffer.from('libfoo.tcz\nKERNEL-mod.tcz\n');
const hex = (alg: 'sha256' | 'md5', b: Buffer | string): string => createHash(alg).update(b).digest('hex');

describe('DownloadCache', () => {
  let server: WorldServer;
  let root: string;
  let dir: string;
  let n = 0;
  const url = (path: string): string => `${server.url}${path}`;

  /** A fresh cache instance (one "run") on the shared dir, with fast retries. */
  const open = (over: { timeouts?: Partial<Timeouts>; retries?: number } & Partial<CacheOptions> = {}) =>
    new DownloadCache({
      dir,
      client: createHttpClient({
        version: 'test',
        retry: { limit: over.retries ?? 2, baseDelayMs: 2, maxDelayMs: 10 },
        timeouts: { connectMs: 2000, responseMs: 2000, idleMs: 2000, ...over.timeouts },
      }),
      ...(over.staleTempMs !== undefined && { staleTempMs: over.staleTempMs }),
    });

  const blobs = async (): Promise<string[]> => readdir(join(dir, 'blobs', 'sha256')).catch(() => []);
  const indexFiles = async (): Promise<string[]> => readdir(join(dir, 'index')).catch(() => []);
  const temps = async (): Promise<string[]> => readdir(join(dir, 'tmp')).catch(() => []);
  const indexPath = (u: string): string => join(dir, 'index', `${hex('sha256', u)}.json`);

  beforeAll(async () => {
    server = await WorldServer.start(
      new Map([
        ['/tcz/foo.tcz', TCZ],
        ['/tcz/foo.tcz.dep', DEP],
      ]),
    );
    root = await mkdtemp(join(tmpdir(), 'mkbundle-cache-'));
  });
  afterAll(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });
  beforeEach(() => {
    n += 1;
    dir = join(root, `c${n}`);
    server.setRoute('/tcz/foo.tcz', TCZ);
    server.deleteRoute('/tcz/bar.tcz.dep');
    server.clearFaults();
    server.resetLog();
  });
  afterEach(() => {
    server.clearFaults();
  });

  it('downloads into a read-only blob named by its sha256 and indexes it by URL', async () => {
    const cache = open();
    const file = await cache.get(url('/tcz/foo.tcz'));
    expect(file).toEqual({
      url: url('/tcz/foo.tcz'),
      path: join(dir, 'blobs', 'sha256', hex('sha256', TCZ)),
      sha256: hex('sha256', TCZ),
      md5: hex('md5', TCZ),
      size: TCZ.length,
      fromCache: false,
      bytesFetched: TCZ.length,
    });
    expect((await readFile(file.path)).equals(TCZ)).toBe(true);
    expect((await stat(file.path)).mode & 0o777).toBe(0o444);
    const entry = JSON.parse(await readFile(indexPath(url('/tcz/foo.tcz')), 'utf8'));
    expect(entry).toEqual({
      url: url('/tcz/foo.tcz'),
      sha256: file.sha256,
      md5: file.md5,
      size: TCZ.length,
      etag: expect.any(String),
      lastModified: expect.any(String),
      fetchedAt: expect.any(String),
    });
    expect(await temps()).toEqual([]);
    expect(cache.stats()).toEqual({
      requests: 1,
      retries: 0,
      notModified: 0,
      bytesFetched: TCZ.length,
      cacheHits: 0,
      bytesFromCache: 0,
      downloads: 1,
    });
  });

  it('revalidates a cached entry: a 304 is a cache hit with no bytes fetched', async () => {
    await open().get(url('/tcz/foo.tcz'));
    server.resetLog();
    const cache = open();
    const file = await cache.get(url('/tcz/foo.tcz'));
    expect(file.fromCache).toBe(true);
    expect(file.bytesFetched).toBe(0);
    expect(server.requests.map((r) => [r.conditional, r.status])).toEqual([[true, 304]]);
    expect(server.requests[0]?.headers['if-none-match']).toMatch(/^"/);
    expect(cache.stats()).toMatchObject({ requests: 1, notModified: 1, cacheHits: 1, bytesFromCache: TCZ.length });
  });

  it('replaces the entry when revalidation answers 200 with new content', async () => {
    const old = await open().get(url('/tcz/foo.tcz'));
    const changed = Buffer.from('changed upstream');
    server.setRoute('/tcz/foo.tcz', changed);
    const file = await open().get(url('/tcz/foo.tcz'));
    expect(file.fromCache).toBe(false);
    expect(file.sha256).toBe(hex('sha256', changed));
    expect(JSON.parse(await readFile(indexPath(url('/tcz/foo.tcz')), 'utf8')).sha256).toBe(file.sha256);
    // The old blob stays (content-addressed, perhaps used by another process).
    expect((await blobs()).sort()).toEqual([old.sha256, file.sha256].sort());
  });

  it('downloads again, unconditionally, from a server without validators', async () => {
    const bare = await WorldServer.start(new Map([['/f', TCZ]]), { validators: { etag: false, lastModified: false } });
    try {
      await open().get(`${bare.url}/f`);
      const file = await open().get(`${bare.url}/f`);
      expect(file.fromCache).toBe(false);
      expect(bare.requests.map((r) => [r.conditional, r.status])).toEqual([
        [false, 200],
        [false, 200],
      ]);
    } finally {
      await bare.close();
    }
  });

  it('offline (-r) uses a cached entry with zero requests', async () => {
    await open().get(url('/tcz/foo.tcz'));
    server.resetLog();
    const cache = open();
    const file = await cache.get(url('/tcz/foo.tcz'), { policy: 'prefer-cache', expect: { md5: hex('md5', TCZ) } });
    expect(file.fromCache).toBe(true);
    expect((await readFile(file.path)).equals(TCZ)).toBe(true);
    expect(server.count()).toBe(0);
    expect(cache.stats()).toMatchObject({ requests: 0, cacheHits: 1, bytesFromCache: TCZ.length });
  });

  it('offline (-r) downloads what is not cached yet', async () => {
    const file = await open().get(url('/tcz/foo.tcz'), { policy: 'prefer-cache' });
    expect(file.fromCache).toBe(false);
    expect(server.requests.map((r) => [r.conditional, r.status])).toEqual([[false, 200]]);
  });

  describe('cache-only (--offline)', () => {
    it('serves a cached entry with zero requests', async () => {
      await open().get(url('/tcz/foo.tcz'));
      server.resetLog();
      const file = await open().get(url('/tcz/foo.tcz'), { policy: 'cache-only' });
      expect(file.fromCache).toBe(true);
      expect(server.count()).toBe(0);
    });

    it('refuses what is not cached, or cached but failing its checksum, as a NotCachedError, with zero requests', async () => {
      const foo = url('/tcz/foo.tcz');
      const missing = open().get(foo, { policy: 'cache-only' });
      await expect(missing).rejects.toThrow(NotCachedError);
      await expect(missing).rejects.toThrow(
        `--offline: ${foo}: not in the cache; run once without --offline to fetch it`,
      );
      await open().get(foo);
      server.resetLog();
      const wrong = open().get(foo, { policy: 'cache-only', later: Promise.resolve({ md5: hex('md5', 'other') }) });
      await expect(wrong).rejects.toThrow(`--offline: ${foo}: the cached copy does not match its checksum`);
      await expect(open().get(foo, { policy: 'cache-only', expect: { md5: hex('md5', 'other') } })).rejects.toThrow(
        `--offline: ${foo}: the cached copy cannot be used`,
      );
      expect(server.count()).toBe(0);
    });

    it('answers a recorded 404 as null for an optional file and as the 404 again otherwise; an optional file never asked is missing', async () => {
      const missing = url('/tcz/bar.tcz.dep');
      await open().get(missing, { optional: true });
      server.resetLog();
      expect(await open().get(missing, { optional: true, policy: 'cache-only' })).toBeNull();
      await expect(open().get(missing, { policy: 'cache-only' })).rejects.toThrow(
        `GET ${missing}: 404 Not Found (recorded in the cache; --offline)`,
      );
      await expect(open().get(url('/tcz/other.tcz.dep'), { optional: true, policy: 'cache-only' })).rejects.toThrow(
        NotCachedError,
      );
      expect(server.count()).toBe(0);
    });
  });

  it('never uses a damaged blob: same size, wrong bytes → fetched again', async () => {
    const first = await open().get(url('/tcz/foo.tcz'));
    await chmod(first.path, 0o644);
    await writeFile(first.path, Buffer.alloc(TCZ.length, 'X'));
    server.resetLog();
    const file = await open().get(url('/tcz/foo.tcz'), { policy: 'prefer-cache' });
    expect(file.fromCache).toBe(false);
    expect((await readFile(file.path)).equals(TCZ)).toBe(true);
    expect(server.requests.map((r) => r.conditional)).toEqual([false]);
  });

  it('replaces a blob by rename: a reader that opened the previous file reads it to the end', async () => {
    server.setRoute('/tcz/same.tcz', TCZ);
    const first = await open().get(url('/tcz/foo.tcz'));
    const reader = await fsOpen(first.path, 'r');
    try {
      const before = (await reader.stat()).ino;
      const again = await open().get(url('/tcz/same.tcz'));
      expect(again.path).toBe(first.path);
      expect((await stat(again.path)).ino).not.toBe(before);
      expect((await reader.readFile()).equals(TCZ)).toBe(true);
    } finally {
      await reader.close();
      server.deleteRoute('/tcz/same.tcz');
    }
  });

  it('a URL with and without credentials is one entry, stored without them', async () => {
    const withCredentials = url('/tcz/foo.tcz').replace('http://', 'http://user:s3cret@');
    const first = await open().get(withCredentials);
    expect(first.url).toBe(url('/tcz/foo.tcz'));
    expect(await indexFiles()).toEqual([`${hex('sha256', url('/tcz/foo.tcz'))}.json`]);
    expect(await readFile(indexPath(url('/tcz/foo.tcz')), 'utf8')).not.toMatch(/s3cret|user/);
    expect((await open().get(url('/tcz/foo.tcz'), { policy: 'prefer-cache' })).fromCache).toBe(true);
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([
      `Basic ${Buffer.from('user:s3cret').toString('base64')}`,
    ]);
  });

  it('never uses a blob of the wrong size or a missing blob', async () => {
    const first = await open().get(url('/tcz/foo.tcz'));
    await chmod(first.path, 0o644);
    await writeFile(first.path, 'short');
    expect((await open().get(url('/tcz/foo.tcz'), { policy: 'prefer-cache' })).fromCache).toBe(false);
    await rm(first.path);
    expect((await open().get(url('/tcz/foo.tcz'), { policy: 'prefer-cache' })).fromCache).toBe(false);
    expect(server.count()).toBe(3);
  });

  it('treats an unreadable index entry as not cached', async () => {
    await open().get(url('/tcz/foo.tcz'));
    await writeFile(indexPath(url('/tcz/foo.tcz')), '{"url": ');
    server.resetLog();
    expect((await open().get(url('/tcz/foo.tcz'), { policy: 'prefer-cache' })).fromCache).toBe(false);
    expect(server.count()).toBe(1);
  });

  it('offline: a cached entry that fails the expectation is downloaded again', async () => {
    await open().get(url('/tcz/foo.tcz'));
    const changed = Buffer.from('new release');
    server.setRoute('/tcz/foo.tcz', changed);
    server.resetLog();
    const file = await open().get(url('/tcz/foo.tcz'), {
      policy: 'prefer-cache',
      expect: { md5: hex('md5', changed) },
    });
    expect(file.sha256).toBe(hex('sha256', changed));
    expect(server.requests.map((r) => r.conditional)).toEqual([false]);
  });

  describe('404', () => {
    it('is a FetchError with status 404 and the URL', async () => {
      const missing = url('/tcz/bar.tcz.dep');
      const err = await open()
        .get(missing)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HttpError);
      expect((err as HttpError).status).toBe(404);
      expect((err as HttpError).message).toBe(`GET ${missing}: 404 Not Found`);
      expect(await blobs()).toEqual([]);
    });

    it('optional: null, recorded as absent; -r then answers null with zero requests', async () => {
      const missing = url('/tcz/bar.tcz.dep');
      expect(await open().get(missing, { optional: true })).toBeNull();
      expect(JSON.parse(await readFile(indexPath(missing), 'utf8'))).toEqual({
        url: missing,
        absent: true,
        fetchedAt: expect.any(String),
      });
      server.resetLog();
      expect(await open().get(missing, { optional: true, policy: 'prefer-cache' })).toBeNull();
      expect(server.count()).toBe(0);
    });

    it('online, a known-absent URL is asked again and may have appeared', async () => {
      const missing = url('/tcz/bar.tcz.dep');
      expect(await open().get(missing, { optional: true })).toBeNull();
      server.setRoute('/tcz/bar.tcz.dep', DEP);
      const file = await open().get(missing, { optional: true });
      expect(file?.sha256).toBe(hex('sha256', DEP));
      expect(file?.fromCache).toBe(false);
    });

    it('-r without optional: a known-absent URL is asked again (and still fails)', async () => {
      const missing = url('/tcz/bar.tcz.dep');
      await open().get(missing, { optional: true });
      server.resetLog();
      await expect(open().get(missing, { policy: 'prefer-cache' })).rejects.toThrow(`GET ${missing}: 404 Not Found`);
      expect(server.count()).toBe(1);
    });

    it('a URL that disappears upstream is recorded as absent', async () => {
      server.setRoute('/tcz/bar.tcz.dep', DEP);
      const missing = url('/tcz/bar.tcz.dep');
      expect(await open().get(missing, { optional: true })).not.toBeNull();
      server.deleteRoute('/tcz/bar.tcz.dep');
      expect(await open().get(missing, { optional: true })).toBeNull();
      server.resetLog();
      expect(await open().get(missing, { optional: true, policy: 'prefer-cache' })).toBeNull();
      expect(server.count()).toBe(0);
    });
  });

  it('retries a 500 and stores the result', async () => {
    server.fault('/tcz/foo.tcz', { kind: 'status', status: 500, times: 1 });
    const cache = open();
    const file = await cache.get(url('/tcz/foo.tcz'));
    expect(file.sha256).toBe(hex('sha256', TCZ));
    expect(server.requests.map((r) => r.status)).toEqual([500, 200]);
    expect(cache.stats()).toMatchObject({ requests: 2, retries: 1, downloads: 1 });
  });

  it('a persistent 500 fails with the URL after the retries and stores nothing', async () => {
    server.fault('/tcz/foo.tcz', { kind: 'status', status: 500 });
    await expect(open({ retries: 2 }).get(url('/tcz/foo.tcz'))).rejects.toThrow(
      `GET ${url('/tcz/foo.tcz')}: 500 Internal Server Error (gave up after 3 attempts)`,
    );
    expect(server.count()).toBe(3);
    expect(await blobs()).toEqual([]);
    expect(await indexFiles()).toEqual([]);
    expect(await temps()).toEqual([]);
  });

  it('a slow server times out with a one-line error', async () => {
    server.fault('/tcz/foo.tcz', { kind: 'slow', delayMs: 2000 });
    await expect(open({ retries: 0, timeouts: { responseMs: 150 } }).get(url('/tcz/foo.tcz'))).rejects.toThrow(
      `GET ${url('/tcz/foo.tcz')}: timed out after 150ms waiting for a response`,
    );
  });

  it('a body that stalls hits the idle timeout', async () => {
    server.fault('/tcz/foo.tcz', { kind: 'stall', afterBytes: 10_000 });
    await expect(open({ retries: 0, timeouts: { idleMs: 200 } }).get(url('/tcz/foo.tcz'))).rejects.toThrow(
      'timed out after 200ms with no data received',
    );
    expect(await blobs()).toEqual([]);
    expect(await temps()).toEqual([]);
  });

  it('a truncated body fails, leaves nothing under a final name, and the next run downloads it whole', async () => {
    server.fault('/tcz/foo.tcz', { kind: 'truncate', bytes: 4096 });
    await expect(open({ retries: 1 }).get(url('/tcz/foo.tcz'))).rejects.toThrow(
      `truncated (got 4096 of ${TCZ.length} bytes)`,
    );
    expect(await blobs()).toEqual([]);
    expect(await indexFiles()).toEqual([]);
    expect(await temps()).toEqual([]);
    server.clearFaults();
    const file = await open().get(url('/tcz/foo.tcz'), { policy: 'prefer-cache' });
    expect((await readFile(file.path)).equals(TCZ)).toBe(true);
  });

  describe('size limits', () => {
    const dep = (bytes: number) => ({ limit: { kind: 'metadata', bytes } }) as const;

    for (const chunked of [false, true]) {
      it(`a body over the limit (${chunked ? 'no Content-Length' : 'announced'}) fails once and stores nothing`, async () => {
        server.fault('/tcz/foo.tcz.dep', { kind: 'oversize', bytes: 600 * 1024 * 1024, chunked });
        const cache = open();
        await expect(cache.get(url('/tcz/foo.tcz.dep'), dep(1024 * 1024))).rejects.toThrow(
          /larger than the 1 MiB limit for metadata files \(raise it with --max-metadata-size\)$/,
        );
        expect(server.count()).toBe(1);
        expect(await blobs()).toEqual([]);
        expect(await indexFiles()).toEqual([]);
        expect(await temps()).toEqual([]);
        // An optional get (a .dep) is not "absent" either: the error stands.
        await expect(cache.get(url('/tcz/foo.tcz.dep'), { ...dep(1024 * 1024), optional: true })).rejects.toThrow(
          HttpError,
        );
      });
    }

    it('an entry stored before the limit was lowered is not used, even offline; a smaller body replaces it', async () => {
      const big = await open().get(url('/tcz/foo.tcz'));
      expect(big.size).toBe(TCZ.length);
      server.resetLog();
      const limited = { policy: 'prefer-cache', limit: { kind: 'metadata', bytes: 100_000 } } as const;
      await expect(open().get(url('/tcz/foo.tcz'), limited)).rejects.toThrow('larger than the 97.7 KiB limit');
      expect(server.count()).toBe(1);
      server.setRoute('/tcz/foo.tcz', DEP);
      const small = await open().get(url('/tcz/foo.tcz'), limited);
      expect(small).toMatchObject({ size: DEP.length, fromCache: false });
      expect(await readFile(small.path, 'utf8')).toBe(DEP.toString());
      // Within the limit now: offline again answers from the cache.
      expect(await open().get(url('/tcz/foo.tcz'), limited)).toMatchObject({ fromCache: true });
      expect(server.count()).toBe(2);
    });
  });

  it('a body that drips in below the minimum rate fails after its retries and stores nothing', async () => {
    server.fault('/tcz/foo.tcz', { kind: 'drip', bytes: 16, everyMs: 50 });
    const timeouts = { minBytesPerSecond: 10 * 1024, rateWindowMs: 300, idleMs: 10_000 };
    await expect(open({ retries: 1, timeouts }).get(url('/tcz/foo.tcz'))).rejects.toThrow(
      /transfer too slow: .* \(minimum 10 KiB\/s\) \(gave up after 2 attempts\)$/,
    );
    expect(server.count()).toBe(2);
    expect(await blobs()).toEqual([]);
    expect(await indexFiles()).toEqual([]);
    expect(await temps()).toEqual([]);
  });

  it('a reset connection is retried', async () => {
    server.fault('/tcz/foo.tcz', { kind: 'reset', times: 2 });
    const file = await open().get(url('/tcz/foo.tcz'));
    expect(file.sha256).toBe(hex('sha256', TCZ));
    expect(server.requests.map((r) => r.status)).toEqual([0, 0, 200]);
  });

  it('a corrupted body fails the expected sha256 with both sums and stores nothing', async () => {
    server.fault('/tcz/foo.tcz', { kind: 'corrupt' });
    const err = await open()
      .get(url('/tcz/foo.tcz'), { expect: { sha256: hex('sha256', TCZ) } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    const message = (err as Error).message;
    expect(message).toMatch(
      new RegExp(`^${url('/tcz/foo.tcz')}: sha256 expected ${hex('sha256', TCZ)}, got [0-9a-f]{64}$`),
    );
    expect(message).not.toContain(`got ${hex('sha256', TCZ)}`);
    expect(await blobs()).toEqual([]);
    expect(await indexFiles()).toEqual([]);
    expect(await temps()).toEqual([]);
  });

  it('a corrupted body fails the expected md5 (as from .md5.txt, any case) and keeps the previous good entry', async () => {
    const good = await open().get(url('/tcz/foo.tcz'));
    server.fault('/tcz/foo.tcz', { kind: 'corrupt' });
    server.setRoute('/tcz/foo.tcz', Buffer.concat([TCZ, Buffer.from('!')]));
    const expected = hex('md5', Buffer.concat([TCZ, Buffer.from('!')]));
    await expect(open().get(url('/tcz/foo.tcz'), { expect: { md5: expected.toUpperCase() } })).rejects.toThrow(
      new RegExp(`md5 expected ${expected}, got [0-9a-f]{32}$`),
    );
    expect(await blobs()).toEqual([good.sha256]);
    expect(JSON.parse(await readFile(indexPath(url('/tcz/foo.tcz')), 'utf8')).sha256).toBe(good.sha256);
  });

  describe('an expectation known later (a checksum file fetched alongside)', () => {
    it('the download starts before it is known and is judged by it: a mismatch stores nothing', async () => {
      let known: (expect: { md5: string }) => void = () => {};
      const later = new Promise<{ md5: string }>((resolve) => {
        known = resolve;
      });
      const got = open().get(url('/tcz/foo.tcz'), { later });
      while (server.count() === 0) await new Promise((r) => setTimeout(r, 5));
      known({ md5: '0'.repeat(32) });
      await expect(got).rejects.toThrow(
        new RegExp(`^${url('/tcz/foo.tcz')}: md5 expected 0{32}, got ${hex('md5', TCZ)}$`),
      );
      expect(await blobs()).toEqual([]);
      expect(await indexFiles()).toEqual([]);
    });

    it('a matching one stores it; a cached entry is judged by it online (304) and offline', async () => {
      const md5 = hex('md5', TCZ);
      expect((await open().get(url('/tcz/foo.tcz'), { later: Promise.resolve({ md5 }) })).md5).toBe(md5);
      server.resetLog();
      expect((await open().get(url('/tcz/foo.tcz'), { later: Promise.resolve({ md5 }) })).fromCache).toBe(true);
      expect(
        (await open().get(url('/tcz/foo.tcz'), { policy: 'prefer-cache', later: Promise.resolve({ md5 }) })).fromCache,
      ).toBe(true);
      expect(server.requests.map((r) => r.status)).toEqual([304]);
    });

    it('a cached entry it rejects is asked for whole, online after the 304 and offline, and refused again', async () => {
      const good = await open().get(url('/tcz/foo.tcz'));
      const wrong = Promise.resolve({ md5: '0'.repeat(32) });
      server.resetLog();
      await expect(open().get(url('/tcz/foo.tcz'), { later: wrong })).rejects.toThrow(/md5 expected 0{32}/);
      expect(server.requests.map((r) => [r.conditional, r.status])).toEqual([
        [true, 304],
        [false, 200],
      ]);
      server.resetLog();
      await expect(open().get(url('/tcz/foo.tcz'), { policy: 'prefer-cache', later: wrong })).rejects.toThrow(
        /md5 expected/,
      );
      expect(server.requests.map((r) => [r.conditional, r.status])).toEqual([[false, 200]]);
      expect(await blobs()).toEqual([good.sha256]);
    });
  });

  it('reports every failed expectation in one line', async () => {
    await expect(
      open().get(url('/tcz/foo.tcz'), { expect: { size: 1, sha256: '0'.repeat(64), md5: '0'.repeat(32) } }),
    ).rejects.toThrow(
      /: size expected 1, got 300000; sha256 expected 0{64}, got [0-9a-f]{64}; md5 expected 0{32}, got/,
    );
  });

  describe('concurrency', () => {
    it('two gets of one URL at once share one request', async () => {
      server.fault('/tcz/foo.tcz', { kind: 'slow', delayMs: 100, times: 1 });
      const cache = open();
      const [a, b] = await Promise.all([cache.get(url('/tcz/foo.tcz')), cache.get(url('/tcz/foo.tcz'))]);
      expect(a).toEqual(b);
      expect(server.count()).toBe(1);
      expect(cache.stats()).toMatchObject({ requests: 1, downloads: 1 });
    });

    it('two cache instances on one dir both download and agree', async () => {
      server.fault('/tcz/foo.tcz', { kind: 'slow', delayMs: 100, times: 2 });
      const [a, b] = await Promise.all([open().get(url('/tcz/foo.tcz')), open().get(url('/tcz/foo.tcz'))]);
      expect(server.count()).toBe(2);
      expect(a.path).toBe(b.path);
      expect((await readFile(a.path)).equals(TCZ)).toBe(true);
      expect(await blobs()).toEqual([a.sha256]);
      expect(await temps()).toEqual([]);
      expect(JSON.parse(await readFile(indexPath(url('/tcz/foo.tcz')), 'utf8')).sha256).toBe(a.sha256);
    });

    it('many overlapping gets from several instances while content changes stay consistent', async () => {
      const versions = [TCZ, Buffer.from('v2'), Buffer.from('v3')];
      const gets: Promise<unknown>[] = [];
      for (const [i, body] of versions.entries()) {
        server.setRoute('/tcz/foo.tcz', body);
        for (let j = 0; j < 3; j++)
          gets.push(open().get(url('/tcz/foo.tcz'), { policy: i % 2 === 1 ? 'prefer-cache' : 'revalidate' }));
        await new Promise((r) => setTimeout(r, 5));
      }
      await Promise.all(gets);
      // Every blob is whole and named by its content; the index names one of them.
      const names = await blobs();
      for (const name of names) expect(hex('sha256', await readFile(join(dir, 'blobs', 'sha256', name)))).toBe(name);
      const entry = JSON.parse(await readFile(indexPath(url('/tcz/foo.tcz')), 'utf8'));
      expect(names).toContain(entry.sha256);
      expect(await temps()).toEqual([]);
      server.resetLog();
      const last = await open().get(url('/tcz/foo.tcz'));
      expect(last.sha256).toBe(hex('sha256', Buffer.from('v3')));
    });
  });

  it('sweeps old temp files left by interrupted runs, keeps young ones', async () => {
    await mkdir(join(dir, 'tmp'), { recursive: true });
    const old = join(dir, 'tmp', 'old.part');
    const young = join(dir, 'tmp', 'young.part');
    await writeFile(old, 'partial');
    await writeFile(young, 'in progress elsewhere');
    const twoDaysAgo = (Date.now() - 2 * 86_400_000) / 1000;
    await utimes(old, twoDaysAgo, twoDaysAgo);
    await open().get(url('/tcz/foo.tcz'));
    expect(await temps()).toEqual(['young.part']);
  });

  it('an unusable cache directory is an InputError naming it', async () => {
    const file = join(root, 'a-file');
    await writeFile(file, '');
    const cache = new DownloadCache({ dir: join(file, 'cache'), client: createHttpClient({ version: 'test' }) });
    await expect(cache.get(url('/tcz/foo.tcz'))).rejects.toThrow(
      `cannot use cache directory ${join(file, 'cache')}: ${file} is not a directory`,
    );
    expect(server.count()).toBe(0);
  });

  it('defaultCacheDir follows XDG_CACHE_HOME, else ~/.cache', () => {
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/var/cache/me' }, '/home/u')).toBe('/var/cache/me/mkbundle');
    expect(defaultCacheDir({}, '/home/u')).toBe('/home/u/.cache/mkbundle');
    expect(defaultCacheDir({ XDG_CACHE_HOME: 'relative' }, '/home/u')).toBe('/home/u/.cache/mkbundle');
    expect(defaultCacheDir({ XDG_CACHE_HOME: '' }, '/home/u')).toBe('/home/u/.cache/mkbundle');
  });
});
