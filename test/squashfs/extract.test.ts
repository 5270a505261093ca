import { link, lstat, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SquashfsError } from '../../src/errors.js';
import { SquashfsImage } from '../../src/squashfs/index.js';
import { type Fixture, MKSQUASHFS_COMPRESSORS, makeFixture } from './helpers/fixture.js';
import { run } from './helpers/run.js';
import { diffTrees, snapshot } from './helpers/snapshot.js';

let fixture: Fixture;
let counter = 0;

beforeAll(async () => {
  fixture = await makeFixture();
});

afterAll(async () => {
  await fixture?.cleanup();
});

function freshDir(label: string): string {
  return join(fixture.dir, `${label}-${counter++}`);
}

async function unsquashfs(image: string, paths: string[] = []): Promise<string> {
  const dest = freshDir('unsquashfs');
  await run('unsquashfs', ['-q', '-n', '-d', dest, image, ...paths]);
  return dest;
}

async function extractWith(path: string, dest: string, options: Parameters<SquashfsImage['extract']>[1] = {}) {
  const image = await SquashfsImage.open(path);
  try {
    return await image.extract(dest, options);
  } finally {
    await image.close();
  }
}

describe('extract agrees with unsquashfs -d', () => {
  const cases: [string, () => string][] = [
    ...MKSQUASHFS_COMPRESSORS.map((comp): [string, () => string] => [
      `mksquashfs ${comp}`,
      () => fixture.mksquashfs[comp],
    ]),
    ['gensquashfs gzip', () => fixture.gensquashfs],
    ['gensquashfs zstd 128 KiB', () => fixture.gensquashfsZstd],
  ];

  it.each(cases)('on the whole %s image', async (_label, image) => {
    const ours = freshDir('ours');
    await extractWith(image(), ours, { allowDevices: true });
    const theirs = await snapshot(await unsquashfs(image()));
    expect(theirs.size).toBe(fixture.mksquashfsModel.size - 1);
    expect(diffTrees(await snapshot(ours), theirs)).toEqual([]);
  });

  it('with one writer thread as with several', async () => {
    const single = freshDir('single');
    const result = await extractWith(fixture.tcz, single, { allowDevices: true, threads: 1 });
    const theirs = await unsquashfs(fixture.tcz);
    expect(diffTrees(await snapshot(single), await snapshot(theirs))).toEqual([]);
    const entries = [...fixture.sourceModel.values()];
    // One file per inode; the extra names of hard-linked inodes are links.
    const inodes = new Map(entries.filter((e) => e.kind === 'file').map((e) => [e.group, e.size]));
    expect(result).toEqual({
      files: inodes.size,
      dirs: entries.filter((e) => e.kind === 'dir').length - 1,
      symlinks: 3,
      hardlinks: 2,
      devices: 4,
      bytes: [...inodes.values()].reduce((sum, size) => sum + size, 0),
    });
  });

  it('on selected files and directories', async () => {
    const paths = ['usr/local/bin/lscpu', 'usr/local/sbin', 'etc/motd', 'a/b'];
    const ours = freshDir('ours');
    const result = await extractWith(fixture.tcz, ours, { paths });
    const theirs = await unsquashfs(fixture.tcz, paths);
    expect(diffTrees(await snapshot(ours), await snapshot(theirs))).toEqual([]);
    expect(await readdir(ours)).toEqual(expect.arrayContaining(['usr', 'etc', 'a']));
    expect(result.files).toBe(4);
  });

  it('when extracting again over its own output, replacing changed files', async () => {
    const ours = freshDir('ours');
    const outside = freshDir('outside');
    await mkdir(outside);
    await extractWith(fixture.tcz, ours, { allowDevices: true });
    // A local edit, and a file hard-linked to something outside the tree.
    await writeFile(join(ours, 'etc/motd'), 'edited\n');
    await writeFile(join(outside, 'victim'), 'precious\n');
    await rm(join(ours, 'bin/busybox'));
    await link(join(outside, 'victim'), join(ours, 'bin/busybox'));
    await extractWith(fixture.tcz, ours, { allowDevices: true });
    const theirs = await unsquashfs(fixture.tcz);
    expect(diffTrees(await snapshot(ours), await snapshot(theirs))).toEqual([]);
    expect(await readFile(join(outside, 'victim'), 'utf8')).toBe('precious\n');
  });

  it('replaces a symlink standing where a file goes, without writing through it', async () => {
    const ours = freshDir('ours');
    const outside = freshDir('outside');
    await mkdir(join(ours, 'etc'), { recursive: true });
    await mkdir(outside);
    await writeFile(join(outside, 'victim'), 'precious\n');
    await symlink(join(outside, 'victim'), join(ours, 'etc/motd'));
    await extractWith(fixture.tcz, ours, { paths: ['etc/motd'] });
    expect(await readFile(join(outside, 'victim'), 'utf8')).toBe('precious\n');
    expect((await lstat(join(ours, 'etc/motd'))).isFile()).toBe(true);
    expect(await readFile(join(ours, 'etc/motd'), 'utf8')).toBe('Welcome to the microkernel\n');
  });
});

describe('extract refuses', () => {
  it('device nodes, fifos and sockets unless allowDevices, before writing anything', async () => {
    const dest = freshDir('ours');
    const failure = extractWith(fixture.tcz, dest);
    await expect(failure).rejects.toThrow(SquashfsError);
    await expect(failure).rejects.toThrow(
      `${fixture.tcz}: 'dev/fifo0': is a fifo; refusing to create it without allowDevices`,
    );
    expect(await readdir(dest)).toEqual([]);
    await expect(extractWith(fixture.tcz, dest, { paths: ['dev/null0'] })).rejects.toThrow(
      `${fixture.tcz}: 'dev/null0': is a character device; refusing to create it without allowDevices`,
    );
  });

  it('a directory in the way of a file, naming it', async () => {
    const dest = freshDir('ours');
    await mkdir(join(dest, 'etc/motd'), { recursive: true });
    await expect(extractWith(fixture.tcz, dest, { paths: ['etc/motd'] })).rejects.toThrow(
      new RegExp(`^${fixture.tcz}: 'etc/motd': cannot replace '${dest}/etc/motd' \\(`),
    );
  });

  it('a path that is not in the image, naming it', async () => {
    await expect(extractWith(fixture.tcz, freshDir('ours'), { paths: ['usr/bin/nope'] })).rejects.toThrow(
      `${fixture.tcz}: 'usr/bin/nope': no such file in image`,
    );
  });

  it('a destination it cannot create', async () => {
    const blocker = freshDir('file');
    await writeFile(blocker, '');
    await expect(extractWith(fixture.tcz, join(blocker, 'sub'))).rejects.toThrow(
      new RegExp(`^${fixture.tcz}: cannot create destination ${blocker}/sub`),
    );
  });
});

describe('ownership', () => {
  it('follows the image when running as root, the extracting user otherwise', async () => {
    const dest = freshDir('ours');
    await extractWith(fixture.tcz, dest, { paths: ['usr/local/bin/lscpu'] });
    const st = await lstat(join(dest, 'usr/local/bin/lscpu'));
    const asRoot = process.geteuid?.() === 0;
    expect({ uid: st.uid, gid: st.gid }).toEqual(
      asRoot ? { uid: 1001, gid: 50 } : { uid: process.geteuid?.(), gid: process.getegid?.() },
    );
  });
});
