/**
 * --offline against the loopback world: with the cache a normal run left, a
 * bundle of the same bytes and not one request; with an empty cache, one
 * line naming an input the cache lacks, still without a request. -r keeps
 * its meaning: it fetches what the cache lacks.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, type World } from '../world/index.js';
import { runCli, sha256 } from './harness.js';

const BUNDLE = 'razor-microkernel-bundle-prod.tar.gz';
let dir: string;
let world: World;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-offline-'));
  world = await startWorld(join(dir, 'world'));
});
afterAll(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

function build(name: string, flags: readonly string[], cache: string, env: NodeJS.ProcessEnv = {}) {
  return runCli(
    ['-b', world.builtinList, '-m', world.mirrorList, '-p', ...world.flags, '--out', join(dir, name), ...flags],
    { XDG_CACHE_HOME: join(dir, cache), SOURCE_DATE_EPOCH: '1700000000', ...env },
  );
}

describe('--offline', () => {
  it('builds the same bundle from the cache a normal run left, with no request', async () => {
    const online = await build('online', [], 'cache-full');
    expect(online.code).toBe(0);
    world.server.resetLog();
    const offline = await build('offline', ['--offline'], 'cache-full');
    expect(offline.stderr).not.toContain('error');
    expect(offline.code).toBe(0);
    expect(world.server.requests).toEqual([]);
    expect(await sha256(join(dir, 'offline', BUNDLE))).toBe(await sha256(join(dir, 'online', BUNDLE)));
    // The same from bundle.cfg's or the environment's MK_BUNDLE_OFFLINE.
    const fromEnv = await build('offline-env', [], 'cache-full', { MK_BUNDLE_OFFLINE: 'yes' });
    expect(fromEnv.code).toBe(0);
    expect(world.server.requests).toEqual([]);
  });

  it('fails in one line naming an input an empty cache lacks, still without a request, writing nothing', async () => {
    world.server.resetLog();
    const run = await build('empty', ['--offline', '--json'], 'cache-empty');
    expect(run.code).toBe(2);
    const last = run.stderr.trimEnd().split('\n').at(-1);
    expect(last).toMatch(
      new RegExp(
        `^mkbundle: --offline: ${world.server.url}/\\S+: not in the cache; run once without --offline to fetch it$`,
      ),
    );
    expect(run.stderr.match(/^mkbundle: /gm)).toHaveLength(1);
    expect((JSON.parse(run.stdout) as { error: { code: string } }).error.code).toBe('input');
    expect(world.server.requests).toEqual([]);
    await expect(sha256(join(dir, 'empty', BUNDLE))).rejects.toThrow();
  });

  it('-r still fetches what the cache lacks', async () => {
    world.server.resetLog();
    const run = await build('reuse', ['-r'], 'cache-reuse');
    expect(run.code).toBe(0);
    expect(world.server.requests.length).toBeGreaterThan(20);
  });
});
