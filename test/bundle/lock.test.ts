/**
 * mkbundle.lock.json and --frozen against the loopback world: every run
 * writes the lock beside the lists; --frozen builds the same bytes again
 * from it (fresh cache, newer gems published meanwhile), and fails in one
 * line, before the bundle is touched, on a changed extension, a new Core
 * ISO, other lists or a missing lock.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCK_NAME, type Lock, parseLock } from '../../src/lock/lock.js';
import { buildGemWorld, WORLD_GEMS, WORLD_RESOLUTION } from '../world/gems.js';
import { GEM_PREFIX, startWorld, type World } from '../world/index.js';
import { runCli, sha256 } from './harness.js';

const EPOCH = '1700000000';
const BUNDLE = 'razor-microkernel-bundle-dev.tar.gz';
let dir: string;
let world: World;
let lockPath: string;
let first: { bundle: string; sha256: string; lock: Lock };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-lock-'));
  world = await startWorld(join(dir, 'world'));
  lockPath = join(dirname(world.builtinList), LOCK_NAME);
  const run = await build('first', []);
  expect(run.stderr).not.toContain('error');
  expect(run.code).toBe(0);
  const bundle = join(dir, 'out-first', BUNDLE);
  first = { bundle, sha256: await sha256(bundle), lock: parseLock(await readFile(lockPath, 'utf8'), lockPath) };
}, 300_000);
afterAll(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

/** A dev build of the world into out-NAME with its own cache (a fresh one unless `cache` names another run's). */
function build(name: string, flags: readonly string[], cache = name) {
  return runCli(
    ['-b', world.builtinList, '-m', world.mirrorList, ...world.flags, '--out', join(dir, `out-${name}`), ...flags],
    { XDG_CACHE_HOME: join(dir, `cache-${cache}`), SOURCE_DATE_EPOCH: EPOCH },
  );
}

/** The error line: the last of stderr, after any progress. */
const errorLine = (stderr: string) => stderr.trimEnd().split('\n').at(-1);
const url = (path: string) => `${world.server.url}${path}`;

/** Serves `body` at `path` for the length of `work`, then what it served before. */
async function withRoute<T>(path: string, body: Buffer, work: () => Promise<T>): Promise<T> {
  const before = world.server.body(path);
  if (before === undefined) throw new Error(`the world serves nothing at ${path}`);
  world.server.setRoute(path, body);
  try {
    return await work();
  } finally {
    world.server.setRoute(path, before);
  }
}

describe('the lockfile a run writes', () => {
  it('sits beside the lists and records the lists, the closure, the gems and each input', async () => {
    const { lock } = first;
    const lines = (text: string) => text.split('\n').filter((line) => line !== '');
    expect(lock.lists).toEqual({
      builtin: lines(world.tinycore.builtinList),
      mirror: lines(world.tinycore.mirrorList),
    });
    expect(lock.followDeps).toBe(true);
    // The closure adds what the world's .dep files pull in.
    expect(lock.closure.builtin).toEqual(expect.arrayContaining([...lock.lists.builtin]));
    expect(lock.gems).toEqual(
      [...WORLD_RESOLUTION].map(([name, version]) => ({ name, version })).sort((a, b) => (a.name < b.name ? -1 : 1)),
    );
    const iso = lock.inputs.find((input) => input.url === url(world.tinycore.isoPath));
    expect(iso).toEqual({
      url: url(world.tinycore.isoPath),
      size: (await readFile(world.coreIso)).length,
      sha256: await sha256(world.coreIso),
    });
    const urls = lock.inputs.map((input) => input.url);
    expect(urls).toEqual([...urls].sort());
    expect(urls).toContain(url(`${world.tinycore.tczPath}/bash.tcz`));
    expect(urls.some((u) => u.endsWith('/gems/daemons-1.1.9.gem'))).toBe(true);
    // Live indexes are not locked: they change whenever anything is published.
    expect(urls.filter((u) => /\/info\/|\/versions$|Packages/.test(u))).toEqual([]);
    expect(lock.absent.length).toBeGreaterThan(0);
    expect(lock.absent.every((u) => u.endsWith('.tcz.dep'))).toBe(true);
  });

  it('is left alone when a run finds the same inputs, and says so in --json', async () => {
    const run = await build('again', ['--json'], 'first');
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as { bundle: { lock: unknown } };
    expect(doc.bundle.lock).toEqual({ path: lockPath, status: 'unchanged' });
    expect(await sha256(join(dir, 'out-again', BUNDLE))).toBe(first.sha256);
  });

  it('goes where --lock says, and a lock that cannot be written fails the run before the bundle appears', async () => {
    const elsewhere = join(dir, 'locks', 'mine.json');
    await mkdir(dirname(elsewhere));
    const run = await build('elsewhere', ['--lock', elsewhere], 'first');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`lockfile ${elsewhere} (written)`);
    expect(parseLock(await readFile(elsewhere, 'utf8'), elsewhere)).toEqual(first.lock);

    const missingDir = join(dir, 'no-such-dir', 'mine.json');
    const refused = await build('unlockable', ['--lock', missingDir], 'first');
    expect(refused.code).toBe(2);
    expect(errorLine(refused.stderr)).toBe(
      `mkbundle: cannot write the lockfile ${missingDir}: no such file or directory; --lock FILE puts it elsewhere`,
    );
    await expect(readFile(join(dir, 'out-unlockable', BUNDLE))).rejects.toThrow();
  });
});

describe('--frozen', () => {
  it('builds the same bytes from a fresh cache, with the locked gems though newer ones are out', async () => {
    // daemons 1.1.10 is published after the lock was written: a plain run would take it.
    const newer = buildGemWorld([...WORLD_GEMS, { name: 'daemons', version: '1.1.10' }]);
    const changed = [...newer.routes].filter(([path]) =>
      /^\/(info\/daemons|versions|gems\/daemons-1\.1\.10)/.test(path),
    );
    for (const [path, body] of changed) world.server.setRoute(`${GEM_PREFIX}${path}`, body);
    try {
      const run = await build('frozen', ['--frozen', '--json']);
      expect(run.stderr).not.toContain('error');
      expect(run.code).toBe(0);
      const doc = JSON.parse(run.stdout) as { bundle: { lock: unknown } };
      expect(doc.bundle.lock).toEqual({ path: lockPath, status: 'frozen' });
      expect(await sha256(join(dir, 'out-frozen', BUNDLE))).toBe(first.sha256);

      const unfrozen = await build('unfrozen', ['--lock', join(dir, 'unfrozen.json')], 'frozen');
      expect(unfrozen.code).toBe(0);
      const lock = parseLock(await readFile(join(dir, 'unfrozen.json'), 'utf8'), 'unfrozen.json');
      expect(lock.gems).toContainEqual({ name: 'daemons', version: '1.1.10' });
    } finally {
      for (const [path] of changed) {
        const before = buildGemWorld().routes.get(path);
        if (before === undefined) world.server.deleteRoute(`${GEM_PREFIX}${path}`);
        else world.server.setRoute(`${GEM_PREFIX}${path}`, before);
      }
    }
  });

  it.each([
    ['a changed extension', () => `${world.tinycore.tczPath}/bash.tcz`],
    ['a new Core-current.iso', () => world.tinycore.isoPath],
  ])('fails in one line on %s, the cache and the earlier bundle kept', async (_what, path) => {
    const out = join(dir, 'out-drift');
    await mkdir(out, { recursive: true });
    await writeFile(join(out, BUNDLE), 'the earlier bundle');
    const changed = Buffer.concat([world.server.body(path()) ?? Buffer.alloc(0), Buffer.from('changed')]);
    const run = await withRoute(path(), changed, () => build('drift', ['--frozen', '--json'], 'first'));
    expect(run.code).toBe(4);
    expect(run.stderr.match(/^mkbundle: /gm)).toHaveLength(1);
    expect(errorLine(run.stderr)).toMatch(
      new RegExp(
        `^mkbundle: --frozen: ${url(path())} changed since ${lockPath} was written \\(size expected \\d+, got \\d+; sha256 expected [0-9a-f]{64}, got [0-9a-f]{64}\\); run without --frozen to update the lock$`,
      ),
    );
    expect((JSON.parse(run.stdout) as { error: { code: string } }).error.code).toBe('integrity.lock');
    expect(await readFile(join(out, BUNDLE), 'utf8')).toBe('the earlier bundle');
    // The lock is read, never rewritten, by --frozen.
    expect(parseLock(await readFile(lockPath, 'utf8'), lockPath)).toEqual(first.lock);
    // Nothing lost: the cache still builds the locked bundle without asking the network.
    const again = await build('after-drift', ['--frozen', '-r'], 'first');
    expect(again.code).toBe(0);
    expect(await sha256(join(dir, 'out-after-drift', BUNDLE))).toBe(first.sha256);
  });

  it('refuses other lists before the first request, naming what changed', async () => {
    const lists = join(dir, 'lists');
    await mkdir(lists, { recursive: true });
    const builtin = join(lists, 'builtin.lst');
    await writeFile(builtin, `${world.tinycore.builtinList}procps.tcz\n`);
    world.server.resetLog();
    const run = await runCli(
      ['-b', builtin, '-m', world.mirrorList, ...world.flags, '--out', join(dir, 'out-lists'), '--frozen'],
      { XDG_CACHE_HOME: join(dir, 'cache-lists'), SOURCE_DATE_EPOCH: EPOCH },
    );
    expect(run.code).toBe(2);
    expect(errorLine(run.stderr)).toBe(
      `mkbundle: --frozen: cannot read the lockfile ${join(lists, LOCK_NAME)}: no such file or directory; run once without --frozen to write it`,
    );
    const other = await build('lists', ['--frozen', '--lock', lockPath, '-b', builtin]);
    expect(other.code).toBe(2);
    expect(errorLine(other.stderr)).toBe(
      `mkbundle: --frozen: the builtin list adds procps.tcz since ${lockPath} was written; run without --frozen to update the lock`,
    );
    const noDeps = await build('no-deps', ['--frozen', '--no-deps']);
    expect(noDeps.code).toBe(2);
    expect(errorLine(noDeps.stderr)).toContain('was written with the .dep closure');
    expect(world.server.requests).toEqual([]);
  });

  it('refuses a file that is not a lockfile, naming it', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{"format": 1, "lists": []}');
    await chmod(bad, 0o644);
    const run = await build('bad', ['--frozen', '--lock', bad]);
    expect(run.code).toBe(2);
    expect(errorLine(run.stderr)).toBe(`mkbundle: ${bad}: followDeps must be true or false`);
  });
});
