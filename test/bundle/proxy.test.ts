/**
 * The bundle stage behind a proxy: with http_proxy set, every request of a
 * whole build goes through it; with the world's host in no_proxy, none does.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, type World } from '../world/index.js';
import { CountingProxy } from '../world/proxy.js';
import { runCli } from './harness.js';

let dir: string;
let world: World;
let proxy: CountingProxy;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-bundle-proxy-'));
  world = await startWorld(join(dir, 'world'));
  proxy = await CountingProxy.start();
});
afterAll(async () => {
  await proxy.close();
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

const build = (name: string, env: NodeJS.ProcessEnv) =>
  runCli(['-b', world.builtinList, '-m', world.mirrorList, '-p', ...world.flags, '--out', join(dir, name)], {
    XDG_CACHE_HOME: join(dir, `cache-${name}`),
    ...env,
  });

describe('the bundle stage and proxy variables', () => {
  it('sends every request of a cold build through HTTP_PROXY', async () => {
    proxy.requests.length = 0;
    world.server.resetLog();
    const run = await build('proxied', { HTTP_PROXY: proxy.url });
    expect(run.code).toBe(0);
    expect(world.server.count()).toBeGreaterThan(20);
    expect(proxy.requests).toHaveLength(world.server.count());
    expect(proxy.requests.every((r) => r.method === 'GET' && r.target.startsWith('http://127.0.0.1:'))).toBe(true);
  });

  it('sends none through it when NO_PROXY names the mirror host', async () => {
    proxy.requests.length = 0;
    world.server.resetLog();
    const run = await build('direct', { HTTP_PROXY: proxy.url, NO_PROXY: 'localhost,127.0.0.1' });
    expect(run.code).toBe(0);
    expect(world.server.count()).toBeGreaterThan(20);
    expect(proxy.requests).toEqual([]);
  });

  it('stops before any request on a proxy variable it cannot use', async () => {
    world.server.resetLog();
    const run = await build('bad', { https_proxy: 'socks5h://127.0.0.1:1080' });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n').at(-2)).toMatch(
      /^mkbundle: error: https_proxy: only http:\/\/ and https:\/\/ proxies are supported/,
    );
    expect(world.server.count()).toBe(0);
  });
});
