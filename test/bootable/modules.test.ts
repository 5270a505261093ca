import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArchiveEntry } from '../world/bootable/entries.js';
import { dir, file } from '../world/bootable/entries.js';
import type { Kernel } from '../world/bootable/kernel.js';
import { moduleEntries } from '../world/bootable/modules.js';
import { withParents } from '../world/bootable/rootfs.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mkworld-modules-test-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const bodyOf = async (entry: ArchiveEntry | undefined): Promise<string> => {
  if (entry?.kind !== 'file') throw new Error('not a file entry');
  if (entry.data.from === 'buffer') return entry.data.data.toString();
  if (entry.data.from === 'path') return readFile(entry.data.path, 'utf8');
  throw new Error('module entries are never streams');
};

describe('moduleEntries', () => {
  it('decompresses .ko.xz modules on the host and cuts modules.order down to them', async () => {
    const modulesDir = join(work, 'lib/modules/9.9.9-test');
    await mkdir(join(modulesDir, 'kernel/fs/squashfs'), { recursive: true });
    await mkdir(join(modulesDir, 'kernel/drivers/block'), { recursive: true });
    await writeFile(join(modulesDir, 'kernel/fs/squashfs/squashfs.ko'), 'squashfs module');
    await execa('xz', [join(modulesDir, 'kernel/fs/squashfs/squashfs.ko')]);
    await writeFile(join(modulesDir, 'kernel/drivers/block/loop.ko'), 'loop module');
    await writeFile(
      join(modulesDir, 'modules.order'),
      'kernel/drivers/block/brd.ko\nkernel/drivers/block/loop.ko\nkernel/fs/squashfs/squashfs.ko.xz\n',
    );
    await writeFile(join(modulesDir, 'modules.builtin'), 'kernel/fs/ext4/ext4.ko\n');
    const kernel: Kernel = {
      kver: '9.9.9-test',
      packageName: 'linux-image-test',
      packageVersion: '1',
      vmlinuz: '/nonexistent',
      modulesDir,
    };

    const entries = await moduleEntries(kernel, ['squashfs', 'loop']);
    const byPath = new Map(entries.map((e) => [e.path, e]));
    const base = 'lib/modules/9.9.9-test';
    expect(await bodyOf(byPath.get(`${base}/kernel/fs/squashfs/squashfs.ko`))).toBe('squashfs module');
    expect(await bodyOf(byPath.get(`${base}/kernel/drivers/block/loop.ko`))).toBe('loop module');
    expect(await bodyOf(byPath.get(`${base}/modules.order`))).toBe(
      'kernel/fs/squashfs/squashfs.ko\nkernel/drivers/block/loop.ko\n',
    );
    expect(byPath.has(`${base}/modules.builtin`)).toBe(true);
    expect(byPath.has(`${base}/modules.builtin.modinfo`)).toBe(false);
  });
});

describe('withParents', () => {
  it('adds missing parent directories once, before their children, and keeps given ones', () => {
    const paths = withParents([dir('etc', 0o700), file('etc/init.d/rcS', ''), file('etc/init.d/tc-config', '')]).map(
      (e) => `${e.kind} ${e.path} ${e.mode.toString(8)}`,
    );
    expect(paths).toEqual([
      'dir etc 700',
      'dir etc/init.d 755',
      'file etc/init.d/rcS 644',
      'file etc/init.d/tc-config 644',
    ]);
  });
});
