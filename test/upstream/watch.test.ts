import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConnections, strayConnections } from './connections.js';
import { watchedRun } from './watch.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-watch-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const env = () => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, LC_ALL: 'C' });

describe('watchedRun', () => {
  it("catches wget's internet requests in the proxy (http, https, ftp) and sees only loopback connections", async () => {
    const urls = ['http://example.invalid/a.tcz', 'https://example.invalid/b.tgz', 'ftp://ftp.example.invalid/c.deb'];
    const run = await watchedRun('sh', ['-c', urls.map((u) => `wget -q -O /dev/null ${u}`).join('; ')], {
      cwd: dir,
      env: env(),
      logDir: dir,
      allowedPorts: [],
    });
    expect(run.proxied).toEqual([
      { method: 'GET', url: 'http://example.invalid/a.tcz' },
      { method: 'CONNECT', url: 'example.invalid:443' },
      { method: 'GET', url: 'ftp://ftp.example.invalid/c.deb' },
    ]);
    expect(run.connections.length).toBe(3);
    expect(run.stray).toEqual([]);
  });

  it('reports a connection to a loopback port that is not the world', async () => {
    const other = createServer((socket) => socket.end());
    other.listen(0, '127.0.0.1');
    await once(other, 'listening');
    const port = (other.address() as { port: number }).port;
    try {
      const run = await watchedRun('wget', ['-q', '--tries=1', '-O', '/dev/null', `http://127.0.0.1:${port}/`], {
        cwd: dir,
        env: { ...env(), no_proxy: '127.0.0.1' },
        logDir: dir,
        allowedPorts: [],
      });
      expect(run.proxied).toEqual([]);
      expect(run.stray.map((c) => `${c.address}:${c.port}`)).toContain(`127.0.0.1:${port}`);
    } finally {
      other.close();
    }
  });
});

describe('parseConnections', () => {
  const log = [
    '101 connect(3, {sa_family=AF_INET, sin_port=htons(40123), sin_addr=inet_addr("127.0.0.1")}, 16) = 0',
    '102 connect(4, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "2001:db8::1", &sin6_addr), sin6_scope_id=0}, 28 <unfinished ...>',
    '102 <... connect resumed>) = -1 ENETUNREACH (Network is unreachable)',
    '103 connect(5, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT (No such file or directory)',
    '104 connect(6, {sa_family=AF_UNSPEC, sa_data="\\0\\0\\0\\0"}, 16) = 0',
    '105 connect(7, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("192.0.2.53")}, 16) = 0',
  ].join('\n');

  it('reads IPv4 and IPv6 connects and skips local sockets', () => {
    expect(parseConnections(log).map((c) => [c.family, c.address, c.port])).toEqual([
      ['inet', '127.0.0.1', 40123],
      ['inet6', '2001:db8::1', 443],
      ['inet', '192.0.2.53', 53],
    ]);
  });

  it('calls anything but the allowed loopback ports stray', () => {
    expect(strayConnections(parseConnections(log), [40123]).map((c) => c.address)).toEqual([
      '2001:db8::1',
      '192.0.2.53',
    ]);
  });

  it('refuses an IP connect line it cannot read', () => {
    expect(() => parseConnections('1 connect(3, {sa_family=AF_INET, sin_port=0}, 16) = 0')).toThrow(/unparsed/);
  });
});
