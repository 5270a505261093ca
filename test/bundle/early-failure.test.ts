import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, type World } from '../world/index.js';
import { runCli } from './harness.js';

let dir: string;
let world: World;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-early-'));
  world = await startWorld(join(dir, 'world'));
});
afterAll(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a name missing from the mirror fails while the Core ISO is still downloading', () => {
  it('the 404 of its .md5.txt ends the run; the ISO, answered only in ten minutes, is dropped', async () => {
    // The ISO's answer comes after the test's own ceiling: the run can end only by not waiting for it.
    world.server.fault(world.tinycore.isoPath, { kind: 'slow', delayMs: 600_000 });
    const list = join(dir, 'builtin-typo.lst');
    await writeFile(list, `${await readFile(world.builtinList, 'utf8')}rubyy.tcz\n`);
    const run = await runCli(['-b', list, '-m', world.mirrorList, ...world.flags, '--out', join(dir, 'out'), '-p'], {
      XDG_CACHE_HOME: await mkdtemp(join(dir, 'cache-')),
    });
    world.server.clearFaults();

    expect(run.code).toBe(3);
    const errors = run.stderr.split('\n').filter((line) => line.startsWith('mkbundle:'));
    expect(errors).toEqual([`mkbundle: GET ${world.urls.mirror}/rubyy.tcz.md5.txt: 404 Not Found`]);
    const log = world.server.requests.map((r) => `${r.path} ${r.status}`);
    expect(log).toContain(`${world.tinycore.isoPath} 200`);
    expect(log).toContain(`${world.tinycore.tczPath}/rubyy.tcz.md5.txt 404`);
    // Asked for once and never retried: the run gave it up.
    expect(log.filter((line) => line.startsWith(`${world.tinycore.isoPath} `))).toHaveLength(1);
  });
});

describe('a .tcz is asked for as soon as the walk reaches its name', () => {
  it('a missing .tcz fails the run while another name’s .dep is still unanswered, which is then dropped', async () => {
    // The closure cannot be complete before this .dep is answered, ten minutes on: the run can end
    // only by asking for bash.tcz before the walk is done.
    const slowDep = `${world.tinycore.tczPath}/libssl-0.9.8.tcz.dep`;
    world.server.resetLog();
    world.server.fault(slowDep, { kind: 'slow', delayMs: 600_000 });
    world.server.fault(`${world.tinycore.tczPath}/bash.tcz`, { kind: 'status', status: 404 });
    const run = await runCli(
      ['-b', world.builtinList, '-m', world.mirrorList, ...world.flags, '--out', join(dir, 'out'), '-p'],
      { XDG_CACHE_HOME: await mkdtemp(join(dir, 'cache-')) },
    );
    world.server.clearFaults();

    expect(run.code).toBe(3);
    const errors = run.stderr.split('\n').filter((line) => line.startsWith('mkbundle:'));
    expect(errors).toEqual([`mkbundle: GET ${world.urls.mirror}/bash.tcz: 404 Not Found`]);
    const log = world.server.requests.map((r) => r.path);
    expect(log.filter((path) => path === slowDep)).toHaveLength(1);
  });
});
