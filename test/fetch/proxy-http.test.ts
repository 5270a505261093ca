/**
 * Downloads through a loopback forward proxy that counts what it sees: http
 * URLs as absolute-URI requests, https URLs as CONNECT tunnels, no_proxy
 * hosts directly, and a failing proxy named in the one-line error.
 */
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpError } from '../../src/fetch/failure.js';
import { createHttpClient } from '../../src/fetch/http.js';
import { proxySettings } from '../../src/fetch/proxy.js';
import { CountingProxy } from '../world/proxy.js';
import { WorldServer } from '../world/server.js';

const BODY = Buffer.from('a .tcz, as the mirror serves it\n'.repeat(1000));

const client = (env: NodeJS.ProcessEnv) =>
  createHttpClient({ version: 'test', retry: { limit: 0 }, proxy: proxySettings(env) });

async function failureOf(p: Promise<unknown>): Promise<HttpError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof HttpError)) throw new Error(`expected HttpError, got ${String(err)}`);
  return err;
}

describe('downloads through a proxy', () => {
  let server: WorldServer;
  let proxy: CountingProxy;
  let dir: string;
  let n = 0;
  const dest = () => join(dir, `out-${n++}`);

  beforeAll(async () => {
    server = await WorldServer.start(new Map([['/tcz/x.tcz', BODY]]));
    proxy = await CountingProxy.start();
    dir = await mkdtemp(join(tmpdir(), 'mk-proxy-'));
  });
  afterAll(async () => {
    await proxy.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    proxy.requests.length = 0;
    server.resetLog();
  });

  it('sends an http URL to http_proxy as an absolute-URI request, not a CONNECT', async () => {
    const out = dest();
    const http = client(proxy.env());
    const url = `${server.url}/tcz/x.tcz`;
    await http.download(url, out);
    await http.download(url, dest());
    expect(await readFile(out)).toEqual(BODY);
    expect(proxy.requests).toEqual([
      { method: 'GET', target: url, authorization: undefined },
      { method: 'GET', target: url, authorization: undefined },
    ]);
    expect(server.count()).toBe(2);
  });

  it('goes direct to a host that no_proxy names, upper or lower case', async () => {
    for (const env of [proxy.env({ no_proxy: '127.0.0.1' }), proxy.env({ NO_PROXY: 'localhost,127.0.0.0/8' })]) {
      await client(env).download(`${server.url}/tcz/x.tcz`, dest());
    }
    expect(proxy.requests).toEqual([]);
    expect(server.count()).toBe(2);
  });

  it('tunnels an https URL with CONNECT, and a refused tunnel is one line naming the proxy', async () => {
    const err = await failureOf(client(proxy.env()).download('https://mirror.invalid/tcz/x.tcz', dest()));
    expect(proxy.requests).toEqual([{ method: 'CONNECT', target: 'mirror.invalid:443', authorization: undefined }]);
    expect(err.message).toMatch(
      new RegExp(`^GET https://mirror\\.invalid/tcz/x\\.tcz \\(via proxy ${proxy.url}/\\): `),
    );
    expect(err.message).not.toContain('\n');
    expect(server.count()).toBe(0);
  });

  it('sends the proxy credentials from its URL, and never shows them', async () => {
    const refusing = await CountingProxy.start({ refuse: true });
    try {
      const withUser = refusing.url.replace('http://', 'http://me:pa55@');
      const err = await failureOf(client({ http_proxy: withUser }).download(`${server.url}/tcz/x.tcz`, dest()));
      expect(refusing.requests.map((r) => r.authorization)).toEqual([
        `Basic ${Buffer.from('me:pa55').toString('base64')}`,
      ]);
      expect(err.message).toBe(
        `GET ${server.url}/tcz/x.tcz (via proxy ${refusing.url.replace('http://', 'http://***@')}/): 407 Proxy Authentication Required`,
      );
    } finally {
      await refusing.close();
    }
  });

  it('routes a redirect afresh: to a no_proxy host it goes direct', async () => {
    const redirect = createServer((_req, res) => res.writeHead(302, { location: `${localhost}/tcz/x.tcz` }).end());
    redirect.listen(0, '127.0.0.1');
    await once(redirect, 'listening');
    const localhost = server.url.replace('127.0.0.1', 'localhost');
    try {
      const from = `http://127.0.0.1:${(redirect.address() as AddressInfo).port}/old/x.tcz`;
      const out = dest();
      await client(proxy.env({ no_proxy: 'localhost' })).download(from, out);
      expect(await readFile(out)).toEqual(BODY);
      expect(proxy.requests.map((r) => r.target)).toEqual([from]);
      expect(server.count()).toBe(1);
    } finally {
      redirect.close();
    }
  });

  it('names the proxy when it cannot be reached', async () => {
    const gone = await CountingProxy.start();
    const url = gone.url;
    await gone.close();
    const err = await failureOf(client({ http_proxy: url }).download(`${server.url}/tcz/x.tcz`, dest()));
    expect(err.message).toMatch(new RegExp(`^GET ${server.url}/tcz/x\\.tcz \\(via proxy ${url}/\\): .*ECONNREFUSED`));
    expect(server.count()).toBe(0);
  });
});
