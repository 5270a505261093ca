import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WorldServer } from '../world/server.js';

interface RawResult {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  /** How many pieces the body came in. */
  readonly chunks: number;
  /** Set when the connection failed or the body was cut off. */
  readonly error?: string;
  readonly ms: number;
}

/** A plain node:http request (no client library in between) that never rejects. */
function raw(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; abortAfterMs?: number; abortAfterBytes?: number } = {},
): Promise<RawResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    let status = 0;
    let headers: RawResult['headers'] = {};
    const chunks: Buffer[] = [];
    const done = (error?: string): void => {
      const body = Buffer.concat(chunks);
      resolve({ status, headers, body, chunks: chunks.length, ms: Date.now() - started, ...(error && { error }) });
    };
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
      status = res.statusCode ?? 0;
      headers = res.headers;
      let received = 0;
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        received += c.length;
        if (opts.abortAfterBytes !== undefined && received >= opts.abortAfterBytes) {
          req.destroy(new Error('client had enough'));
          done('client had enough');
        }
      });
      res.on('end', () => done());
      res.on('error', (e) => done(e.message));
    });
    req.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
    if (opts.abortAfterMs !== undefined) setTimeout(() => req.destroy(new Error('client gave up')), opts.abortAfterMs);
    req.end();
  });
}

const BODY = Buffer.from('x'.repeat(1000));

describe('WorldServer', () => {
  let server: WorldServer;

  beforeEach(async () => {
    server = await WorldServer.start(new Map([['/a/file.tcz', BODY]]));
  });
  afterEach(async () => {
    await server.close();
  });

  it('serves GET and HEAD with length and validators, 404 for unknown paths', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const get = await raw(`${server.url}/a/file.tcz?ignored=1`);
    expect(get.status).toBe(200);
    expect(get.body.equals(BODY)).toBe(true);
    expect(get.headers['content-length']).toBe('1000');
    expect(get.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(Date.parse(String(get.headers['last-modified']))).not.toBeNaN();

    const head = await raw(`${server.url}/a/file.tcz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('1000');
    expect(head.body.length).toBe(0);

    expect((await raw(`${server.url}/missing`)).status).toBe(404);
    expect((await raw(`${server.url}/a/file.tcz`, { method: 'POST' })).status).toBe(405);
    expect(server.requests.map((r) => [r.method, r.path, r.status])).toEqual([
      ['GET', '/a/file.tcz', 200],
      ['HEAD', '/a/file.tcz', 200],
      ['GET', '/missing', 404],
      ['POST', '/a/file.tcz', 405],
    ]);
  });

  it('answers If-None-Match and If-Modified-Since with 304 and logs them as conditional', async () => {
    const first = await raw(`${server.url}/a/file.tcz`);
    const etag = String(first.headers.etag);
    const lastModified = String(first.headers['last-modified']);
    const byTag = await raw(`${server.url}/a/file.tcz`, { headers: { 'if-none-match': etag } });
    expect(byTag.status).toBe(304);
    expect(byTag.body.length).toBe(0);
    expect((await raw(`${server.url}/a/file.tcz`, { headers: { 'if-modified-since': lastModified } })).status).toBe(
      304,
    );
    expect((await raw(`${server.url}/a/file.tcz`, { headers: { 'if-none-match': '"other"' } })).status).toBe(200);
    expect(server.count((r) => r.conditional)).toBe(3);
    expect(server.count((r) => r.status === 304)).toBe(2);
    server.resetLog();
    expect(server.count()).toBe(0);
  });

  it('setRoute changes ETag and moves Last-Modified forward even within the same second; deleteRoute 404s', async () => {
    const before = await raw(`${server.url}/a/file.tcz`);
    server.setRoute('/a/file.tcz', Buffer.from('new'));
    const after = await raw(`${server.url}/a/file.tcz`, {
      headers: { 'if-modified-since': String(before.headers['last-modified']) },
    });
    expect(after.status).toBe(200);
    expect(after.body.toString()).toBe('new');
    expect(after.headers.etag).not.toBe(before.headers.etag);
    server.deleteRoute('/a/file.tcz');
    expect((await raw(`${server.url}/a/file.tcz`)).status).toBe(404);
  });

  it('can leave out validators, and then never answers 304', async () => {
    const bare = await WorldServer.start(new Map([['/f', BODY]]), { validators: { etag: false, lastModified: false } });
    try {
      const res = await raw(`${bare.url}/f`, {
        headers: { 'if-none-match': '*', 'if-modified-since': new Date().toUTCString() },
      });
      expect(res.status).toBe(200);
      expect(res.headers.etag).toBeUndefined();
      expect(res.headers['last-modified']).toBeUndefined();
    } finally {
      await bare.close();
    }
  });

  it('status fault with times answers the first N requests with the status, then normally', async () => {
    server.fault('/a/file.tcz', { kind: 'status', status: 503, times: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await raw(`${server.url}/a/file.tcz`)).status);
    expect(statuses).toEqual([503, 503, 200]);
    expect(server.requests.map((r) => r.fault)).toEqual(['status', 'status', undefined]);
  });

  it('status fault without times stays until clearFaults', async () => {
    server.fault('/a/file.tcz', { kind: 'status', status: 404 });
    expect((await raw(`${server.url}/a/file.tcz`)).status).toBe(404);
    expect((await raw(`${server.url}/a/file.tcz`)).status).toBe(404);
    server.clearFaults();
    expect((await raw(`${server.url}/a/file.tcz`)).status).toBe(200);
  });

  it('slow delays the headers, then answers normally', async () => {
    server.fault('/a/file.tcz', { kind: 'slow', delayMs: 300, times: 1 });
    const res = await raw(`${server.url}/a/file.tcz`);
    expect(res.ms).toBeGreaterThanOrEqual(280);
    expect(res.status).toBe(200);
    expect(res.body.equals(BODY)).toBe(true);
  });

  it('stall sends the first bytes and then nothing; close() still finishes', async () => {
    server.fault('/a/file.tcz', { kind: 'stall', afterBytes: 100 });
    const res = await raw(`${server.url}/a/file.tcz`, { abortAfterMs: 400 });
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe('1000');
    expect(res.body.length).toBe(100);
    expect(res.error).toBeDefined();
    const other = await raw(`${server.url}/a/file.tcz`, { abortAfterMs: 300 });
    expect(other.body.length).toBe(100);
  });

  it('close() ends a stalled response the client is still waiting on', async () => {
    server.fault('/a/file.tcz', { kind: 'stall', afterBytes: 10 });
    const pending = raw(`${server.url}/a/file.tcz`);
    await new Promise((r) => setTimeout(r, 100));
    await server.close();
    const res = await pending;
    expect(res.body.length).toBe(10);
    expect(res.error).toBeDefined();
    server = await WorldServer.start(new Map());
  });

  it('truncate declares the full length, sends fewer bytes and drops the connection', async () => {
    server.fault('/a/file.tcz', { kind: 'truncate', bytes: 300 });
    const res = await raw(`${server.url}/a/file.tcz`);
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe('1000');
    expect(res.body.length).toBe(300);
    expect(res.error).toBeDefined();
  });

  it('reset drops the connection before any response and logs status 0', async () => {
    server.fault('/a/file.tcz', { kind: 'reset', times: 1 });
    const res = await raw(`${server.url}/a/file.tcz`);
    expect(res.status).toBe(0);
    expect(res.error).toBe('ECONNRESET');
    expect((await raw(`${server.url}/a/file.tcz`)).status).toBe(200);
    expect(server.requests.map((r) => r.status)).toEqual([0, 200]);
  });

  it('corrupt keeps length and headers but changes bytes', async () => {
    const good = await raw(`${server.url}/a/file.tcz`);
    server.fault('/a/file.tcz', { kind: 'corrupt' });
    const bad = await raw(`${server.url}/a/file.tcz`);
    expect(bad.status).toBe(200);
    expect(bad.body.length).toBe(BODY.length);
    expect(bad.body.equals(BODY)).toBe(false);
    expect(bad.headers.etag).toBe(good.headers.etag);
  });

  it('drip sends the whole body with its length, a few bytes at a time', async () => {
    server.fault('/a/file.tcz', { kind: 'drip', bytes: 100, everyMs: 5 });
    const res = await raw(`${server.url}/a/file.tcz`);
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe('1000');
    expect(res.body.equals(BODY)).toBe(true);
    expect(res.chunks).toBeGreaterThan(1);
    expect(res.error).toBeUndefined();
  });

  it('oversize sends the body repeated to the given size, announced or chunked', async () => {
    server.setRoute('/a/small.dep', Buffer.from('ab\n'));
    server.fault('/a/small.dep', { kind: 'oversize', bytes: 300_000, times: 1 });
    const announced = await raw(`${server.url}/a/small.dep`);
    expect(announced.headers['content-length']).toBe('300000');
    expect(announced.body.equals(Buffer.from('ab\n'.repeat(100_000)))).toBe(true);
    server.fault('/a/small.dep', { kind: 'oversize', bytes: 300_001, chunked: true, times: 1 });
    const chunked = await raw(`${server.url}/a/small.dep`);
    expect(chunked.headers['content-length']).toBeUndefined();
    expect(chunked.headers['transfer-encoding']).toBe('chunked');
    expect(chunked.body.length).toBe(300_001);
    expect(chunked.body.subarray(0, 6).toString()).toBe('ab\nab\n');
  });

  it('oversize makes its body as it is read: 600 MB announced, the client stops after 1 MB', async () => {
    server.fault('/a/file.tcz', { kind: 'oversize', bytes: 600 * 1024 * 1024 });
    const res = await raw(`${server.url}/a/file.tcz`, { abortAfterBytes: 1024 * 1024 });
    expect(res.headers['content-length']).toBe(String(600 * 1024 * 1024));
    expect(res.body.length).toBeGreaterThanOrEqual(1024 * 1024);
    expect(res.body.length).toBeLessThan(600 * 1024 * 1024);
    expect(res.error).toBe('client had enough');
    // The server is still there for the next request.
    server.clearFaults();
    expect((await raw(`${server.url}/a/file.tcz`)).body.equals(BODY)).toBe(true);
  });

  it('logs request headers', async () => {
    await raw(`${server.url}/a/file.tcz`, { headers: { 'user-agent': 'probe/1' } });
    expect(server.requests[0]?.headers['user-agent']).toBe('probe/1');
  });
});
