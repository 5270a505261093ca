/**
 * Runs killed outright (SIGKILL: no handler runs) leave their scratch
 * directory in TMPDIR and a `.part` file in the cache's tmp/. The next run
 * sweeps them at its start, and leaves a concurrent live run's alone.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { packageRoot } from '../../src/version.js';
import { startWorld, type World } from '../world/index.js';

const BIN = join(packageRoot(), 'dist', 'src', 'cli', 'bin.js');
let dir: string;
let world: World;
let temp: string;
let cache: string;
let out: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-leftovers-'));
  world = await startWorld(join(dir, 'world'));
  temp = join(dir, 'tmp');
  cache = join(dir, 'cache');
  out = join(dir, 'out');
  await mkdir(temp);
});
afterAll(async () => {
  // A run a failed assertion left behind.
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

/** The real CLI in a child, with its own TMPDIR and cache. */
function start(args: readonly string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH, TMPDIR: temp, XDG_CACHE_HOME: cache, ...env },
    stdio: 'ignore',
  });
  children.push(child);
  return child;
}

const bundleRun = () => start(['-b', world.builtinList, '-m', world.mirrorList, ...world.flags, '--out', out, '-p']);

async function exitOf(child: ChildProcess): Promise<[number | null, NodeJS.Signals | null]> {
  if (child.exitCode !== null || child.signalCode !== null) return [child.exitCode, child.signalCode];
  return (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
}

async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await sleep(50);
}

const cacheTmp = () => join(cache, 'mkbundle', 'tmp');
const list = async (path: string) => (await readdir(path).catch(() => [])).sort();
/** What appeared in `path` since `before`. */
const added = async (path: string, before: readonly string[]) =>
  (await list(path)).filter((name) => !before.includes(name));

/** Where the Core ISO's download hangs. */
const STALL_BYTES = 64 * 1024;

/** The Core ISO is fetched again, and its download hangs after the first bytes. */
async function isoDownloadHangs(): Promise<void> {
  const entry = `${createHash('sha256').update(world.urls.iso).digest('hex')}.json`;
  await rm(join(cache, 'mkbundle', 'index', entry), { force: true });
  world.server.fault(world.tinycore.isoPath, { kind: 'stall', afterBytes: STALL_BYTES, times: 1 });
}

/**
 * A bundle run started and now mid-download: its staging directory and the
 * Core ISO's `.part` are there, the hung ISO's bytes all in it, and every
 * other download (the extensions start alongside the ISO) has finished.
 */
async function downloading(): Promise<{ child: ChildProcess; parts: string[]; staging: string[] }> {
  const [partsBefore, tempBefore] = [await list(cacheTmp()), await list(temp)];
  const child = bundleRun();
  let parts: string[] = [];
  let staging: string[] = [];
  await until(async () => {
    parts = await added(cacheTmp(), partsBefore);
    staging = await added(temp, tempBefore);
    const [only] = parts;
    if (parts.length !== 1 || only === undefined || staging.length === 0) return false;
    return (await stat(join(cacheTmp(), only)).catch(() => undefined))?.size === STALL_BYTES;
  });
  return { child, parts, staging };
}

it('the next run sweeps what killed runs left, and leaves a live run alone', { timeout: 300_000 }, async () => {
  expect(await exitOf(bundleRun())).toEqual([0, null]);
  const bundle = join(out, 'razor-microkernel-bundle-prod.tar.gz');

  // Killed mid-download.
  await isoDownloadHangs();
  const killed = await downloading();
  killed.child.kill('SIGKILL');
  expect(await exitOf(killed.child)).toEqual([null, 'SIGKILL']);
  expect(killed.staging).toEqual([expect.stringMatching(/^mkbundle-bundle-/)]);

  // Killed mid-staging: the ISO stage has unpacked the bundle and waits in xorriso.
  const fake = join(dir, 'fake-bin');
  const reached = join(dir, 'xorriso-reached');
  await mkdir(fake);
  await writeFile(
    join(fake, 'xorriso'),
    `#!/bin/sh\ntouch '${reached}'\nwhile kill -0 $PPID 2>/dev/null; do sleep 0.05; done\n`,
  );
  await chmod(join(fake, 'xorriso'), 0o755);
  const tempBefore = await list(temp);
  const staging = start(['iso', bundle, '1.0', '--out', join(dir, 'iso')], {
    PATH: `${fake}:${process.env.PATH}`,
  });
  await until(async () => existsSync(reached));
  const stage = await added(temp, tempBefore);
  expect(stage).toEqual([expect.stringMatching(/^mkbundle-iso-stage-/)]);
  expect((await list(join(temp, stage[0] as string))).length).toBeGreaterThan(0);
  staging.kill('SIGKILL');
  expect(await exitOf(staging)).toEqual([null, 'SIGKILL']);

  // A live run, mid-download, while the next run starts and finishes.
  await isoDownloadHangs();
  const live = await downloading();
  expect(await exitOf(bundleRun())).toEqual([0, null]);

  expect(await list(temp)).toEqual(live.staging);
  expect(await list(cacheTmp())).toEqual(live.parts);

  live.child.kill('SIGTERM');
  expect(await exitOf(live.child)).toEqual([143, null]);
  expect(await list(temp)).toEqual([]);
  expect(await list(cacheTmp())).toEqual([]);
});
