import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FetchError, InputError } from '../../src/errors.js';
import { HttpError, isNotFound, isOverLimit } from '../../src/fetch/failure.js';
import { createHttpClient, type HttpClientOptions } from '../../src/fetch/http.js';
import { WorldServer } from '../world/server.js';

const BODY = Buffer.alloc(200_000, 'abcdefghij');
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

/** Fast retries and short timeouts so fault tests take milliseconds. */
const client = (over: Partial<HttpClientOptions> = {}) =>
  createHttpClient({
    version: '9.9.9',
    retry: { limit: 2, baseDelayMs: 5, maxDelayMs: 20 },
    timeouts: { connectMs: 2000, responseMs: 2000, idleMs: 2000 },
    ...over,
  });

async function failureOf(p: Promise<unknown>): Promise<HttpError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof HttpError)) throw new Error(`expected HttpError, got ${String(err)}`);
  return err;
}

describe('createHttpClient().download', () => {
  let server: WorldServer;
  let dir: string;
  let dest: string;
  let url: string;

  beforeAll(async () => {
    server = await WorldServer.start(new Map([['/tcz/x.tcz', BODY]]));
    url = `${server.url}/tcz/x.tcz`;
    dir = await mkdtemp(join(tmpdir(), 'mkbundle-http-'));
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    server.clearFaults();
    server.resetLog();
    dest = join(dir, `out-${Math.random()}`);
  });

  it('streams a 200 into the file with digests, validators and the mkbundle user agent', async () => {
    const http = client();
    const result = await http.download(url, dest);
    expect(result).toEqual({
      notModified: false,
      digests: { sha256: sha256(BODY), md5: md5(BODY), size: BODY.length },
      validators: { etag: expect.any(String), lastModified: expect.any(String) },
    });
    expect((await readFile(dest)).equals(BODY)).toBe(true);
    expect(server.requests[0]?.headers['user-agent']).toBe('mkbundle/9.9.9');
    expect(http.stats()).toEqual({ requests: 1, retries: 0, notModified: 0, bytesFetched: BODY.length });
  });

  it('reports progress as the body arrives, up to the announced length', async () => {
    const seen: [number, number | undefined][] = [];
    await client().download(url, dest, { onProgress: (transferred, total) => seen.push([transferred, total]) });
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.at(-1)).toEqual([BODY.length, BODY.length]);
    for (let i = 1; i < seen.length; i++) expect(seen[i]?.[0]).toBeGreaterThan(seen[i - 1]?.[0] ?? 0);
  });

  it('sends validators and reports 304 as notModified without creating the file', async () => {
    const http = client();
    const first = await http.download(url, dest);
    if (first.notModified) throw new Error('unexpected 304');
    const other = join(dir, 'conditional');
    expect(await http.download(url, other, { validators: { etag: first.validators.etag } })).toEqual({
      notModified: true,
    });
    expect(await http.download(url, other, { validators: { lastModified: first.validators.lastModified } })).toEqual({
      notModified: true,
    });
    expect(existsSync(other)).toBe(false);
    expect(server.requests.map((r) => [r.conditional, r.status])).toEqual([
      [false, 200],
      [true, 304],
      [true, 304],
    ]);
    expect(http.stats().notModified).toBe(2);
  });

  it('404 fails at once with a status and the one-line message', async () => {
    const err = await failureOf(client().download(`${server.url}/tcz/none.tcz.dep`, dest));
    expect(err).toBeInstanceOf(FetchError);
    expect(err.status).toBe(404);
    expect(isNotFound(err)).toBe(true);
    expect(err.message).toBe(`GET ${server.url}/tcz/none.tcz.dep: 404 Not Found`);
    expect(server.count()).toBe(1);
    expect(existsSync(dest)).toBe(false);
  });

  it('retries a 500 and then succeeds', async () => {
    server.fault('/tcz/x.tcz', { kind: 'status', status: 500, times: 2 });
    const http = client();
    const result = await http.download(url, dest);
    expect(result.notModified).toBe(false);
    expect(server.requests.map((r) => r.status)).toEqual([500, 500, 200]);
    expect(http.stats()).toMatchObject({ requests: 3, retries: 2 });
  });

  it('gives up after the retry limit with the URL and status in the message', async () => {
    server.fault('/tcz/x.tcz', { kind: 'status', status: 500 });
    const err = await failureOf(client({ retry: { limit: 3, baseDelayMs: 1, maxDelayMs: 2 } }).download(url, dest));
    expect(err.message).toBe(`GET ${url}: 500 Internal Server Error (gave up after 4 attempts)`);
    expect(err.status).toBe(500);
    expect(isNotFound(err)).toBe(false);
    expect(server.count()).toBe(4);
  });

  it("waits for a 429's Retry-After before the retry", async () => {
    server.fault('/tcz/x.tcz', { kind: 'status', status: 429, retryAfter: '1', times: 1 });
    const http = client({ retry: { limit: 2, baseDelayMs: 1, maxDelayMs: 2 } });
    const started = Date.now();
    await http.download(url, dest);
    // A lower bound only: the retry came no sooner than the server asked.
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(server.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('gives up at once on a Retry-After longer than it waits, saying so', async () => {
    server.fault('/tcz/x.tcz', { kind: 'status', status: 503, retryAfter: '3600' });
    const err = await failureOf(client().download(url, dest));
    expect(err.message).toBe(
      `GET ${url}: 503 Service Unavailable (retry after 3600s): not waited for, over the 120s limit`,
    );
    expect(server.count()).toBe(1);
    expect(existsSync(dest)).toBe(false);
  });

  it('does not retry other 4xx', async () => {
    server.fault('/tcz/x.tcz', { kind: 'status', status: 404 });
    await failureOf(client().download(url, dest));
    expect(server.count()).toBe(1);
  });

  it('times out waiting for headers', async () => {
    server.fault('/tcz/x.tcz', { kind: 'slow', delayMs: 3000 });
    const err = await failureOf(client({ retry: { limit: 0 }, timeouts: { responseMs: 200 } }).download(url, dest));
    expect(err.message).toBe(`GET ${url}: timed out after 200ms waiting for a response`);
    expect(err.status).toBeUndefined();
  });

  it('retries a timeout', async () => {
    server.fault('/tcz/x.tcz', { kind: 'slow', delayMs: 3000, times: 1 });
    const http = client({ timeouts: { responseMs: 500 } });
    expect((await http.download(url, dest)).notModified).toBe(false);
    expect(server.count()).toBe(2);
  });

  it('times out a body that stalls (idle timeout)', async () => {
    server.fault('/tcz/x.tcz', { kind: 'stall', afterBytes: 5000 });
    const err = await failureOf(
      client({ retry: { limit: 1, baseDelayMs: 1 }, timeouts: { idleMs: 300 } }).download(url, dest),
    );
    expect(err.message).toBe(`GET ${url}: timed out after 300ms with no data received (gave up after 2 attempts)`);
    expect(existsSync(dest)).toBe(false);
  });

  it('reports a truncated body with both sizes and removes the partial file', async () => {
    server.fault('/tcz/x.tcz', { kind: 'truncate', bytes: 1234 });
    const err = await failureOf(client({ retry: { limit: 0 } }).download(url, dest));
    expect(err.message).toBe(`GET ${url}: truncated (got 1234 of ${BODY.length} bytes)`);
    expect(existsSync(dest)).toBe(false);
  });

  it('resumes a truncated body with a Range request for this version, and hashes the whole file', async () => {
    server.fault('/tcz/x.tcz', { kind: 'truncate', bytes: 1234, times: 1 });
    const http = client();
    const result = await http.download(url, dest);
    expect((await readFile(dest)).equals(BODY)).toBe(true);
    expect(result).toMatchObject({ digests: { sha256: sha256(BODY), md5: md5(BODY), size: BODY.length } });
    expect(http.stats().bytesFetched).toBe(BODY.length);
    const [first, second] = server.requests;
    expect(first?.headers.range).toBeUndefined();
    expect(second?.status).toBe(206);
    expect(second?.headers.range).toBe('bytes=1234-');
    // The ETag of the first answer: a strong validator, so a changed body is never glued onto the old start.
    expect(second?.headers['if-range']).toMatch(/^"[0-9a-f]+"$/);
  });

  it('starts over when the body changed between the attempts (If-Range no longer matches)', async () => {
    const changed = Buffer.alloc(150_000, 'new version ');
    server.fault('/tcz/x.tcz', { kind: 'truncate', bytes: 1234, times: 1 });
    let swapped = false;
    const result = await client().download(url, dest, {
      onProgress: () => {
        if (!swapped) server.setRoute('/tcz/x.tcz', changed);
        swapped = true;
      },
    });
    server.setRoute('/tcz/x.tcz', BODY);
    expect(server.requests.map((r) => r.status)).toEqual([200, 200]);
    expect((await readFile(dest)).equals(changed)).toBe(true);
    expect(result).toMatchObject({ digests: { sha256: sha256(changed), size: changed.length } });
  });

  it('retries a truncated body from the start on a server without ranges', async () => {
    const plain = await WorldServer.start(new Map([['/tcz/x.tcz', BODY]]), { ranges: false });
    try {
      plain.fault('/tcz/x.tcz', { kind: 'truncate', bytes: 1234, times: 1 });
      const http = client();
      await http.download(`${plain.url}/tcz/x.tcz`, dest);
      expect((await readFile(dest)).equals(BODY)).toBe(true);
      expect(http.stats().bytesFetched).toBe(BODY.length + 1234);
      expect(plain.requests.map((r) => r.headers.range)).toEqual([undefined, undefined]);
    } finally {
      await plain.close();
    }
  });

  it('retries a connection reset, and names it when it persists', async () => {
    server.fault('/tcz/x.tcz', { kind: 'reset', times: 1 });
    await client().download(url, dest);
    expect(server.count()).toBe(2);
    server.fault('/tcz/x.tcz', { kind: 'reset' });
    const err = await failureOf(client({ retry: { limit: 1, baseDelayMs: 1 } }).download(url, dest));
    expect(err.message).toBe(`GET ${url}: connection reset (gave up after 2 attempts)`);
  });

  it('reports a refused connection', async () => {
    const gone = await WorldServer.start(new Map());
    const goneUrl = `${gone.url}/x`;
    await gone.close();
    const err = await failureOf(client({ retry: { limit: 0 } }).download(goneUrl, dest));
    expect(err.message).toMatch(new RegExp(`^GET ${goneUrl}: .*ECONNREFUSED`));
  });

  it('stops when the signal aborts, leaving no file', async () => {
    server.fault('/tcz/x.tcz', { kind: 'stall', afterBytes: 5000 });
    const controller = new AbortController();
    const pending = client().download(url, dest, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop')), 200);
    await expect(pending).rejects.toThrow('stop');
    expect(existsSync(dest)).toBe(false);
    expect(server.count()).toBe(1);
  });

  it('a file that cannot be written is an InputError naming it, not retried', async () => {
    const bad = join(dir, 'no-such-dir', 'out');
    const err = await client()
      .download(url, bad)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toBe(`cannot write ${bad}: no such file or directory`);
    expect(server.count()).toBe(1);
  });

  it('a 304 to an unconditional request is an error, not "not modified"', async () => {
    // WorldServer never does this; a broken server might.
    const odd = createServer((_req, res) => res.writeHead(304).end()).listen(0, '127.0.0.1');
    await once(odd, 'listening');
    try {
      const oddUrl = `http://127.0.0.1:${(odd.address() as AddressInfo).port}/f`;
      const err = await failureOf(client().download(oddUrl, dest));
      expect(err.message).toBe(`GET ${oddUrl}: 304 Not Modified`);
    } finally {
      odd.closeAllConnections();
      odd.close();
    }
  });

  describe('size limits', () => {
    const metadata = (bytes: number) => ({ kind: 'metadata', bytes }) as const;

    it('a body of exactly the limit is fine', async () => {
      const result = await client().download(url, dest, { limit: metadata(BODY.length) });
      expect(result.notModified).toBe(false);
      expect((await readFile(dest)).equals(BODY)).toBe(true);
    });

    it('a Content-Length over the limit fails before the body is read, without a retry', async () => {
      server.fault('/tcz/x.tcz', { kind: 'oversize', bytes: 600 * 1024 * 1024 });
      const http = client();
      const err = await failureOf(http.download(url, dest, { limit: metadata(1024 * 1024) }));
      expect(err).toBeInstanceOf(FetchError);
      expect(isOverLimit(err)).toBe(true);
      expect(err.message).toBe(
        `GET ${url}: announced 600 MiB, larger than the 1 MiB limit for metadata files (raise it with --max-metadata-size)`,
      );
      expect(server.count()).toBe(1);
      expect(http.stats().bytesFetched).toBe(0);
      expect(existsSync(dest)).toBe(false);
    });

    it('a body without Content-Length stops as soon as it passes the limit, without a retry', async () => {
      server.fault('/tcz/x.tcz', { kind: 'oversize', bytes: 600 * 1024 * 1024, chunked: true });
      const http = client();
      const err = await failureOf(http.download(url, dest, { limit: { kind: 'payload', bytes: 1024 * 1024 } }));
      expect(err.message).toBe(
        `GET ${url}: larger than the 1 MiB limit for packages and images (raise it with --max-payload-size)`,
      );
      expect(server.count()).toBe(1);
      // What was already on its way when the count passed the limit, no more.
      expect(http.stats().bytesFetched).toBeGreaterThan(1024 * 1024);
      expect(http.stats().bytesFetched).toBeLessThan(16 * 1024 * 1024);
      expect(existsSync(dest)).toBe(false);
    });

    it('one byte over is over', async () => {
      server.fault('/tcz/x.tcz', { kind: 'oversize', bytes: BODY.length + 1, chunked: true });
      const err = await failureOf(client().download(url, dest, { limit: { kind: 'index', bytes: BODY.length } }));
      expect(err.message).toContain('larger than the 195.3 KiB limit for package and gem indexes');
    });
  });

  describe('a body that keeps coming, too slowly (minimum rate)', () => {
    // The drip gives 200 B/s against a floor of 10 KiB/s; only the outcome is asserted.
    const slow = { minBytesPerSecond: 10 * 1024, rateWindowMs: 400, idleMs: 10_000 };

    it('fails once a whole window was below the floor, retried, and leaves no file', async () => {
      server.fault('/tcz/x.tcz', { kind: 'drip', bytes: 10, everyMs: 50 });
      const http = client({ retry: { limit: 1, baseDelayMs: 1, maxDelayMs: 2 }, timeouts: slow });
      const err = await failureOf(http.download(url, dest));
      expect(err).toBeInstanceOf(FetchError);
      expect(err.message).toMatch(
        new RegExp(
          `^GET ${url}: transfer too slow: \\d+ B in the last [\\d.]+m?s \\(minimum 10 KiB/s\\) \\(gave up after 2 attempts\\)$`,
        ),
      );
      expect(server.count()).toBe(2);
      expect(existsSync(dest)).toBe(false);
    });

    it('a steady transfer far above the floor is not cut off', async () => {
      // About 2 s of body at 100 KB/s against a floor of 1 B/s per second-long window.
      server.fault('/tcz/x.tcz', { kind: 'drip', bytes: 1000, everyMs: 10 });
      const http = client({ timeouts: { minBytesPerSecond: 1, rateWindowMs: 1000 } });
      expect((await http.download(url, dest)).notModified).toBe(false);
      expect((await readFile(dest)).equals(BODY)).toBe(true);
    });
  });

  it('keeps the bytes as served: no transparent decompression', async () => {
    await client().download(url, dest);
    expect(server.requests[0]?.headers['accept-encoding']).toBeUndefined();
  });
});
