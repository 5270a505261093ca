import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, type World } from '../world/index.js';
import { runCli, sha256 } from './harness.js';

const isRoot = process.getuid?.() === 0;
/** Only root can mount the small tmpfs these cases need (a read-only one, a full one). */
const NEEDS_MOUNT = 'mounting a tmpfs needs root';
const bundleName = 'razor-microkernel-bundle-prod.tar.gz';

let dir: string;
let world: World;
const mounts: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-out-'));
  world = await startWorld(join(dir, 'world'));
});
afterAll(async () => {
  for (const mount of mounts) execFileSync('umount', [mount]);
  await world.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => world.server.clearFaults());

const build = async (out: string, extra: readonly string[] = []) =>
  runCli(['-b', world.builtinList, '-m', world.mirrorList, ...world.flags, '--out', out, '-p', ...extra], {
    XDG_CACHE_HOME: await mkdtemp(join(dir, 'cache-')),
  });

async function tmpfs(name: string, options: string): Promise<string> {
  const mount = join(dir, name);
  await mkdir(mount);
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', mount]);
  mounts.push(mount);
  return mount;
}

/** Exit 2 with the one line, before any request reached the server. */
async function expectRefusedUpFront(out: string, line: string, extra: readonly string[] = []): Promise<void> {
  world.server.resetLog();
  const run = await build(out, extra);
  expect(run.code).toBe(2);
  expect(run.stderr).toBe(`${line}\n`);
  expect(world.server.requests).toEqual([]);
}

describe('an --out that cannot take the bundle is an input error before any download', () => {
  it('--out is a file', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'mine\n');
    await expectRefusedUpFront(file, `mkbundle: cannot write ${file}: not a directory`);
    expect(await readdir(dir)).not.toContainEqual(expect.stringMatching(/\.tmp$/));
  });

  it('--out is below a file', async () => {
    const file = join(dir, 'another-file');
    await writeFile(file, 'mine\n');
    const out = join(file, 'build-files');
    await expectRefusedUpFront(out, `mkbundle: cannot write ${out}: ${file} is not a directory`);
  });

  it('--out in /proc, where mkdir answers ENOENT (Node recursive mkdir would spin forever)', async () => {
    await expectRefusedUpFront(
      '/proc/mkbundle-out',
      'mkbundle: cannot write /proc/mkbundle-out: /proc takes no new directories',
    );
  });

  it('--out is below a symbolic link to nothing', async () => {
    const link = join(dir, 'dangling');
    await symlink(join(dir, 'unmounted'), link);
    const out = join(link, 'build-files');
    await expectRefusedUpFront(out, `mkbundle: cannot write ${out}: ${link} is a symbolic link to nothing`);
  });

  it('the bundle name is a directory', async () => {
    const out = join(dir, 'dir-in-the-way');
    await mkdir(join(out, bundleName, 'inside'), { recursive: true });
    await expectRefusedUpFront(out, `mkbundle: cannot write ${join(out, bundleName)}: is a directory`);
    expect(await readdir(out)).toEqual([bundleName]);
    expect(await readdir(join(out, bundleName))).toEqual(['inside']);
  });

  it.skipIf(!isRoot)(`a read-only file system, --out new or existing (${NEEDS_MOUNT})`, async () => {
    const mount = await tmpfs('read-only', 'ro,size=1m');
    const out = join(mount, 'build-files');
    await expectRefusedUpFront(out, `mkbundle: cannot write ${out}: read-only file system`);
    await expectRefusedUpFront(mount, `mkbundle: cannot write ${mount}: read-only file system`);
  });

  it('a cache directory in /proc is refused too, not spun on', async () => {
    const out = join(dir, 'cache-in-proc');
    const run = await build(out, ['--cache-dir', '/proc/mkbundle-cache']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'mkbundle: cannot use cache directory /proc/mkbundle-cache: /proc takes no new directories\n',
    );
    expect(existsSync(out)).toBe(false);
  });
});

describe('--out is made when missing', () => {
  it('with its parents, and removed again when the build fails', async () => {
    const top = join(dir, 'new-top');
    world.server.fault(`${world.tinycore.tczPath}/ruby.tcz`, { kind: 'status', status: 404 });
    const run = await build(join(top, 'a', 'build-files'));
    expect(run.code).toBe(3);
    expect(existsSync(top)).toBe(false);
  });

  it('and kept with the bundle when the build succeeds', async () => {
    const out = join(dir, 'made', 'build-files');
    const run = await build(out);
    expect(run.code).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['SHA256SUMS', bundleName]);
  });
});

describe('a full file system while the bundle is written', () => {
  it.skipIf(!isRoot)(
    `is an input error naming the bundle; the earlier bundle stays as it was (${NEEDS_MOUNT})`,
    async () => {
      const first = join(dir, 'first');
      expect((await build(first)).code).toBe(0);
      const earlier = join(first, bundleName);
      const { size } = await stat(earlier);
      // Room for the earlier bundle and half of a new one.
      const mount = await tmpfs('full', `size=${Math.ceil((1.5 * size) / 4096) * 4096}`);
      await copyFile(earlier, join(mount, bundleName));
      const before = await sha256(join(mount, bundleName));

      const run = await build(mount);
      expect(run.code).toBe(2);
      expect(run.stderr.trimEnd().split('\n').at(-1)).toBe(
        `mkbundle: cannot write ${join(mount, bundleName)}: no space left on device`,
      );
      expect(await sha256(join(mount, bundleName))).toBe(before);
      expect(await readdir(mount)).toEqual([bundleName]);
    },
  );
});
