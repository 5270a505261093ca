import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildInitramfs } from '../../src/initramfs/build.js';
import type { CoreSource } from '../../src/initramfs/core-entries.js';
import { formatManifest } from '../../src/initramfs/manifest.js';
import { kernelVersionOfCoreGz } from '../../src/tce/core-kernel.js';

/*
 * A real corepure64.gz is rootfs64.gz and modules64.gz concatenated: two gzip
 * members, two cpio archives, each with its own trailer, both carrying `.`,
 * `lib` and `usr`; lib/modules/KVER is only in the second. GNU cpio makes
 * both archives here and unpacks the merged image, as the kernel would.
 */
const KVER = '6.12.11-tinycore64';
let dir: string;
let rootfs: string;
let modules: string;
let concatenated: string;

function cpioGz(root: string, out: string): void {
  execFileSync('sh', ['-c', `cd ${root} && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -9 > ${out}`]);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-merge2-'));
  const a = join(dir, 'rootfs-root');
  for (const d of ['bin', 'etc', 'lib', 'usr/bin', 'tmp']) await mkdir(join(a, d), { recursive: true });
  await writeFile(join(a, 'bin/busybox'), 'busybox\n');
  await writeFile(join(a, 'etc/motd'), 'from rootfs\n');
  await chmod(join(a, 'lib'), 0o700);
  const b = join(dir, 'modules-root');
  for (const d of [`lib/modules/${KVER}/kernel/fs`, 'usr/lib', 'etc']) await mkdir(join(b, d), { recursive: true });
  await writeFile(join(b, `lib/modules/${KVER}/kernel/fs/squashfs.ko`), 'module\n');
  await writeFile(join(b, 'etc/motd'), 'from modules\n');
  await chmod(join(b, 'lib'), 0o755);
  rootfs = join(dir, 'rootfs64.gz');
  modules = join(dir, 'modules64.gz');
  cpioGz(a, rootfs);
  cpioGz(b, modules);
  concatenated = join(dir, 'corepure64.gz');
  await writeFile(concatenated, Buffer.concat([await readFile(rootfs), await readFile(modules)]));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function mergedTree(core: CoreSource, name: string): Promise<{ out: string; listing: string[] }> {
  const out = join(dir, `${name}.gz`);
  await buildInitramfs({
    core,
    overlays: [],
    version: '1.0',
    kernelVersion: KVER,
    out,
    mtime: 1_700_000_000,
    compression: 'gzip',
    manifest: (records) => formatManifest(records, { kernel_hash: 'k' }),
  });
  const listing = execFileSync('sh', ['-c', `gzip -dc ${out} | cpio -itv --numeric-uid-gid --quiet`])
    .toString()
    .trim()
    .split('\n');
  return { out, listing };
}

describe('a Core initramfs of several cpio archives', () => {
  it('finds the kernel version in the second archive', async () => {
    expect(await kernelVersionOfCoreGz(concatenated, 'corepure64.gz')).toBe(KVER);
  });

  for (const [label, core] of [
    ['concatenated in one file', () => ({ path: concatenated, name: 'CorePure64.iso:boot/corepure64.gz' })],
    [
      'as two files in boot order',
      () => [
        { path: rootfs, name: 'CorePure64.iso:boot/rootfs64.gz' },
        { path: modules, name: 'CorePure64.iso:boot/modules64.gz' },
      ],
    ],
  ] as const) {
    it(`merges them ${label} into one archive, later entries winning as in the kernel`, async () => {
      const { out, listing } = await mergedTree(core(), label.replaceAll(' ', '-'));
      const names = listing.map((line) => line.split(/ +/).slice(8).join(' '));
      expect(new Set(names).size).toBe(names.length);
      // One trailer: GNU cpio stops at the first, so everything listed above came from one archive.
      const raw = execFileSync('sh', ['-c', `gzip -dc ${out}`]);
      expect(raw.toString('latin1').split('TRAILER!!!').length - 1).toBe(1);
      expect(names).toEqual(expect.arrayContaining(['bin/busybox', `lib/modules/${KVER}/kernel/fs/squashfs.ko`]));
      // The later `lib` directory's mode wins, at the first `lib`'s place (before its children).
      expect(listing.find((line) => line.endsWith(' lib'))).toMatch(/^drwxr-xr-x /);
      expect(names.indexOf('lib')).toBeLessThan(names.indexOf(`lib/modules/${KVER}`));
      const unpacked = join(dir, `unpacked-${label.replaceAll(' ', '-')}`);
      await mkdir(unpacked);
      execFileSync('sh', ['-c', `cd ${unpacked} && gzip -dc ${out} | cpio -id --quiet --no-absolute-filenames`]);
      expect(await readFile(join(unpacked, 'etc/motd'), 'utf8')).toBe('from modules\n');
    });
  }
});
