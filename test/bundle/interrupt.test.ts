import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/version.js';
import { parseRunJson } from '../helpers/json-schema.js';
import { startWorld, type World } from '../world/index.js';
import { sha256 } from './harness.js';

const BIN = join(packageRoot(), 'dist', 'src', 'cli', 'bin.js');
let dir: string;
let world: World;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-interrupt-'));
  world = await startWorld(join(dir, 'world'));
});
afterAll(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

/** Runs the real CLI in a child, with its own TMPDIR so leftovers can be seen. */
function start(out: string, temp: string, extra: readonly string[] = []) {
  const child = spawn(
    process.execPath,
    [BIN, '-b', world.builtinList, '-m', world.mirrorList, ...world.flags, '--out', out, '-p', ...extra],
    {
      env: { PATH: process.env.PATH, TMPDIR: temp, XDG_CACHE_HOME: join(dir, 'cache') },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  return { child, stderr: () => stderr, stdout: () => stdout };
}

describe('an interrupted bundle run', () => {
  it('exits 130, says so in --json, and leaves the cache, earlier outputs and the temp directory clean', async () => {
    const out = join(dir, 'out');
    const temp = join(dir, 'tmp');
    await mkdir(temp);
    const first = start(out, temp);
    expect((await once(first.child, 'exit'))[0]).toBe(0);
    const bundle = join(out, 'razor-microkernel-bundle-prod.tar.gz');
    const before = await sha256(bundle);

    await rm(join(dir, 'cache'), { recursive: true, force: true });
    world.server.fault(world.tinycore.isoPath, { kind: 'stall', afterBytes: 64 * 1024 });
    world.server.resetLog();
    const run = start(out, temp, ['--json']);
    while (!world.server.requests.some((r) => r.path === world.tinycore.isoPath)) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    run.child.kill('SIGINT');
    const [code, signal] = await once(run.child, 'exit');
    world.server.clearFaults();

    expect(signal).toBeNull();
    expect(code).toBe(130);
    expect(run.stderr()).toContain('mkbundle: interrupted (SIGINT)');
    expect(parseRunJson(run.stdout())).toMatchObject({
      ok: false,
      exitCode: 130,
      error: { code: 'interrupted', message: 'interrupted (SIGINT); nothing was left half-written', step: 'download' },
      outputs: [],
    });
    expect(await sha256(bundle)).toBe(before);
    expect((await readdir(out)).sort()).toEqual(['SHA256SUMS', 'razor-microkernel-bundle-prod.tar.gz']);
    expect(await readdir(temp)).toEqual([]);
    expect(await readdir(join(dir, 'cache', 'mkbundle', 'tmp'))).toEqual([]);

    const again = start(out, temp);
    expect((await once(again.child, 'exit'))[0]).toBe(0);
    expect(existsSync(bundle)).toBe(true);
  });
});
