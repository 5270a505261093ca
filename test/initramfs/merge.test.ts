import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, link, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCpio } from '../../src/archive/cpio-read.js';
import type { ArchiveEntry } from '../../src/archive/entry.js';
import { writeTarGz } from '../../src/archive/tar-write.js';
import { ArchiveError } from '../../src/errors.js';
import { buildInitramfs, versionYaml } from '../../src/initramfs/build.js';
import { formatManifest, MANIFEST_PATH } from '../../src/initramfs/manifest.js';
import { contentsOf } from '../helpers/contents.js';

let dir: string;
let core: string;
const KVER = '6.1.0-test';

/** A small Tiny Core-shaped core.gz made by GNU cpio (the tests run as root, so mknod works). */
async function makeCore(): Promise<string> {
  const root = join(dir, 'core-root');
  for (const d of ['dev', 'bin', 'etc', 'tmp', `lib/modules/${KVER}/kernel`, 'usr/bin', 'home/tc', 'opt']) {
    await mkdir(join(root, d), { recursive: true });
  }
  execFileSync('mknod', [join(root, 'dev/console'), 'c', '5', '1']);
  execFileSync('mknod', [join(root, 'dev/loop0'), 'b', '7', '0']);
  await writeFile(join(root, 'bin/busybox'), 'busybox binary\n');
  await chmod(join(root, 'bin/busybox'), 0o755);
  await writeFile(join(root, 'bin/busybox.suid'), 'suid busybox\n');
  await chmod(join(root, 'bin/busybox.suid'), 0o4755);
  await writeFile(join(root, 'usr/bin/test'), 'linked\n');
  await link(join(root, 'usr/bin/test'), join(root, 'usr/bin/['));
  await symlink('/bin/busybox', join(root, 'bin/sh'));
  await symlink(`/usr/local/lib/modules/${KVER}/kernel`, join(root, `lib/modules/${KVER}/kernel.tclocal`));
  await writeFile(join(root, 'etc/inittab'), 'tty1::respawn:/sbin/getty 38400 tty1\n');
  await writeFile(join(root, 'opt/bootsync.sh'), '#!/bin/sh\necho stock\n');
  await chmod(join(root, 'tmp'), 0o1777);
  execFileSync('chown', ['1001:50', join(root, 'home/tc')]);
  const out = join(dir, 'core.gz');
  execFileSync('sh', ['-c', `cd ${root} && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -9 > ${out}`]);
  return out;
}

const entry = (e: Partial<ArchiveEntry> & Pick<ArchiveEntry, 'path' | 'kind'>): ArchiveEntry =>
  ({ mode: 0o644, uid: 0, gid: 0, mtime: 1_700_000_000, ...e }) as ArchiveEntry;
const text = (path: string, body: string, mode = 0o644): ArchiveEntry =>
  entry({ kind: 'file', path, mode, size: Buffer.byteLength(body), data: { from: 'buffer', data: Buffer.from(body) } });

async function overlay(name: string, entries: ArchiveEntry[]): Promise<{ path: string; name: string }> {
  const path = join(dir, name);
  await writeTarGz(path, entries);
  return { path, name: `dependencies/${name}` };
}

async function build(overlays: { path: string; name: string }[], version = '1.2.3.4', from = core) {
  const out = join(dir, `out-${Math.random().toString(36).slice(2)}.gz`);
  const result = await buildInitramfs({
    core: { path: from, name: 'Core-current.iso:boot/core.gz' },
    overlays,
    version,
    kernelVersion: KVER,
    out,
    mtime: 1_700_000_000,
    compression: 'gzip',
    manifest: (records) => formatManifest(records, { kernel_hash: 'k' }),
  });
  return { result, out };
}

const contents = (path: string) => contentsOf(readCpio(path, { allowDevices: true }));

function cpioList(path: string): string[] {
  return execFileSync('sh', ['-c', `gzip -dc ${path} | cpio -itv --numeric-uid-gid --quiet`])
    .toString()
    .trim()
    .split('\n');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-merge-'));
  core = await makeCore();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('buildInitramfs', () => {
  it('keeps the core archive exactly and adds the overlays owned by root', async () => {
    const a = await overlay('mk-open-vm-tools.tar.gz', [text('usr/local/bin/vmtoolsd', 'vm\n', 0o755)]);
    const b = await overlay('razor-microkernel-overlay.tar.gz', [
      entry({ kind: 'dir', path: 'tmp', mode: 0o755 }),
      text('etc/inittab', 'tty1::respawn:/sbin/getty -nl /sbin/autologin 38400 tty1\n'),
      text('opt/bootsync.sh', '#!/bin/sh\necho razor\n', 0o755),
      entry({ kind: 'symlink', path: 'usr/local/mcollective', target: '/usr/local/tce.installed/mcollective-2.0.0' }),
    ]);
    const { out, result } = await build([a, b]);
    const list = cpioList(out);
    const line = (name: string) => list.find((l) => l.endsWith(` ${name}`) || l.includes(` ${name} -> `));
    expect(line('dev/console')).toMatch(/^crw-r--r-- +1 0 +0 +5, +1 /);
    expect(line('dev/loop0')).toMatch(/^brw-r--r-- +1 0 +0 +7, +0 /);
    expect(line('bin/busybox.suid')).toMatch(/^-rwsr-xr-x /);
    expect(line('usr/bin/test')).toMatch(/^-rw-r--r-- +2 /);
    expect(line('usr/bin/[')).toMatch(/^-rw-r--r-- +2 /);
    expect(line('home/tc')).toMatch(/^drwxr-xr-x +\d+ 1001 +50 /);
    expect(line('tmp')).toMatch(/^drwxrwxrwt /);
    expect(line(`lib/modules/${KVER}/kernel.tclocal`)).toContain(`-> ../../../usr/local/lib/modules/${KVER}/kernel`);
    expect(line('usr/local/bin/vmtoolsd')).toMatch(/^-rwxr-xr-x +1 0 +0 /);
    expect(line('usr/local/mcollective')).toContain('-> /usr/local/tce.installed/mcollective-2.0.0');

    const merged = await contents(out);
    expect(merged.get('etc/inittab')?.body?.toString()).toContain('autologin');
    expect(merged.get('opt/bootsync.sh')?.body?.toString()).toContain('razor');
    expect(merged.get('tmp/mk-version.yaml')?.body?.toString()).toBe('mk_version: "1.2.3.4"\n');
    expect([...merged.keys()].filter((p) => p === 'etc/inittab')).toHaveLength(1);
    const hardlinked = [merged.get('usr/bin/test')?.entry, merged.get('usr/bin/[')?.entry];
    expect(hardlinked.map((e) => e?.kind).sort()).toEqual(['file', 'hardlink']);

    const manifest = merged.get(MANIFEST_PATH)?.body?.toString() ?? '';
    expect(manifest.startsWith('# kernel_hash: k\n')).toBe(true);
    for (const [path, { entry: e, body }] of merged) {
      if (path === MANIFEST_PATH || e.kind !== 'file') continue;
      const sha = createHash('sha256')
        .update(body ?? Buffer.alloc(0))
        .digest('hex');
      expect(manifest).toContain(` ${sha} ${path}\n`);
    }
    expect(manifest).toMatch(/^c 0644 0:0 0 - dev\/console 5,1$/m);
    expect(result.records.find((r) => r.path === 'bin/busybox.suid')?.mode).toBe(0o4755);
  });

  it('later overlays win over earlier ones', async () => {
    const a = await overlay('first.tar.gz', [text('etc/motd', 'first\n')]);
    const b = await overlay('second.tar.gz', [text('etc/motd', 'second\n')]);
    const merged = await contents((await build([a, b])).out);
    expect(merged.get('etc/motd')?.body?.toString()).toBe('second\n');
  });

  it('is byte-identical for the same inputs', async () => {
    const a = await overlay('same.tar.gz', [text('etc/motd', 'hello\n')]);
    const first = (await build([a])).out;
    const second = (await build([a])).out;
    const hash = (p: string) =>
      createHash('sha256')
        .update(execFileSync('cat', [p]))
        .digest('hex');
    expect(hash(first)).toBe(hash(second));
  });

  it('refuses to write through a symlink of the core archive', async () => {
    const a = await overlay('through.tar.gz', [text('bin/sh/evil', 'x\n')]);
    await expect(build([a])).rejects.toThrowError(
      new ArchiveError("dependencies/through.tar.gz: 'bin/sh/evil': would be written through the symlink 'bin/sh'"),
    );
  });

  it('refuses to break a hard link group', async () => {
    const a = await overlay('link.tar.gz', [text('usr/bin/test', 'replaced\n')]);
    await expect(build([a])).rejects.toThrowError(/'usr\/bin\/\[': an overlay replaces 'usr\/bin\/test'/);
  });

  it('replaces a core directory by an overlay symlink, subtree and all', async () => {
    const a = await overlay('replace.tar.gz', [entry({ kind: 'symlink', path: 'home/tc', target: '/tmp' })]);
    const merged = await contents((await build([a])).out);
    expect(merged.get('home/tc')?.entry).toMatchObject({ kind: 'symlink', target: '/tmp' });
  });

  it('a core.gz cut short in the middle of a file is an ArchiveError naming it, and leaves no file', async () => {
    const root = join(dir, 'big-root');
    await mkdir(join(root, 'bin'), { recursive: true });
    await writeFile(join(root, 'bin/busybox'), randomBytes(400_000));
    const whole = join(dir, 'big.gz');
    execFileSync('sh', ['-c', `cd ${root} && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1 > ${whole}`]);
    const cut = join(dir, 'cut.gz');
    const bytes = await readFile(whole);
    await writeFile(cut, bytes.subarray(0, bytes.length / 2));
    const before = await readdir(dir);
    await expect(build([], '1.0', cut)).rejects.toThrowError(
      new ArchiveError('Core-current.iso:boot/core.gz: gzip data is truncated'),
    );
    expect(await readdir(dir)).toEqual(before);
  });

  it('quotes the version for YAML', () => {
    expect(versionYaml('0.9.0.1')).toBe('mk_version: "0.9.0.1"\n');
    expect(versionYaml('1.2')).toBe('mk_version: "1.2"\n');
    expect(versionYaml('a"b')).toBe('mk_version: "a\\"b"\n');
  });
});
