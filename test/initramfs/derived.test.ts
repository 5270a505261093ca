import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCpio } from '../../src/archive/cpio-read.js';
import type { ArchiveEntry } from '../../src/archive/entry.js';
import { writeTarGz } from '../../src/archive/tar-write.js';
import { buildInitramfs } from '../../src/initramfs/build.js';
import { needsOf } from '../../src/initramfs/derived.js';
import { formatManifest } from '../../src/initramfs/manifest.js';
import { contentsOf } from '../helpers/contents.js';
import { fetchKernel, type Kernel } from '../world/bootable/kernel.js';
import { buildLib } from './ldcache-helpers.js';

const VSOCK = 'kernel/net/vmw_vsock';
let dir: string;
let kernel: Kernel;
let merged: Map<string, { entry: ArchiveEntry; body?: Buffer }>;

const read = (path: string) => contentsOf(readCpio(path, { allowDevices: true }));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-derived-'));
  kernel = await fetchKernel();
  const modules = `lib/modules/${kernel.kver}`;
  const root = join(dir, 'core');
  await mkdir(join(root, modules, VSOCK), { recursive: true });
  await mkdir(join(root, 'etc'), { recursive: true });
  for (const f of ['modules.order', 'modules.builtin'])
    await copyFile(join(kernel.modulesDir, f), join(root, modules, f));
  await copyFile(join(kernel.modulesDir, VSOCK, 'vsock.ko'), join(root, modules, VSOCK, 'vsock.ko'));
  await buildLib(join(root, 'lib/libcore.so.1.0'), { soname: 'libcore.so.1' });
  await writeFile(join(root, 'etc/ld.so.conf'), '/usr/local/lib\n');
  await writeFile(join(root, 'etc/ld.so.cache'), 'stale cache\n');
  execFileSync('sh', ['-c', `cd ${root} && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip > ${dir}/core.gz`]);

  const extra = join(dir, 'libextra.so.2.0.1');
  await buildLib(extra, { soname: 'libextra.so.2' });
  const common = join(kernel.modulesDir, VSOCK, 'vmw_vsock_virtio_transport_common.ko');
  const file = (path: string, source: string, size: number): ArchiveEntry => ({
    kind: 'file',
    path,
    mode: 0o644,
    uid: 0,
    gid: 0,
    mtime: 1_700_000_000,
    size,
    data: { from: 'path', path: source },
  });
  const { statSync } = await import('node:fs');
  await writeTarGz(join(dir, 'vm-tools.tar.gz'), [
    file(`${modules}/${VSOCK}/vmw_vsock_virtio_transport_common.ko`, common, statSync(common).size),
    file('usr/local/lib/libextra.so.2.0.1', extra, statSync(extra).size),
  ]);
  const out = join(dir, 'new.gz');
  await buildInitramfs({
    core: { path: join(dir, 'core.gz'), name: 'core.gz' },
    overlays: [{ path: join(dir, 'vm-tools.tar.gz'), name: 'dependencies/mk-open-vm-tools.tar.gz' }],
    version: '1',
    kernelVersion: kernel.kver,
    out,
    mtime: 1_700_000_000,
    compression: 'gzip',
    manifest: (records) => formatManifest(records, {}),
  });
  merged = await read(out);
}, 300_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('an overlay that adds kernel modules and shared libraries', () => {
  it('gets a modules.dep that knows the new module and its dependency', () => {
    const dep = merged.get(`lib/modules/${kernel.kver}/modules.dep`)?.body?.toString();
    expect(dep).toBe(`${VSOCK}/vsock.ko:\n${VSOCK}/vmw_vsock_virtio_transport_common.ko: ${VSOCK}/vsock.ko\n`);
    expect(merged.has(`lib/modules/${kernel.kver}/modules.dep.bin`)).toBe(true);
  });

  it('gets an ld.so.cache that ld.so reads, with the soname links ldconfig makes', async () => {
    const cache = merged.get('etc/ld.so.cache')?.body;
    expect(cache?.subarray(0, 20).toString()).toBe('glibc-ld.so.cache1.1');
    await writeFile(join(dir, 'ld.so.cache'), cache ?? Buffer.alloc(0));
    const printed = execFileSync('ldconfig', ['-p', '-C', join(dir, 'ld.so.cache')]).toString();
    expect(printed).toMatch(/libextra\.so\.2 \(libc6,x86-64\) => \/usr\/local\/lib\/libextra\.so\.2\n/);
    expect(printed).toMatch(/libcore\.so\.1 \(libc6,x86-64\) => \/lib\/libcore\.so\.1\n/);
    expect(merged.get('usr/local/lib/libextra.so.2')?.entry).toMatchObject({
      kind: 'symlink',
      target: 'libextra.so.2.0.1',
    });
    expect(merged.get('lib/libcore.so.1')?.entry).toMatchObject({ kind: 'symlink', target: 'libcore.so.1.0' });
  });

  it('is only asked for when the overlays add modules or libraries', () => {
    expect(needsOf(['etc/motd', 'usr/local/bin/x'])).toEqual({ depmod: false, ldconfig: false });
    expect(needsOf([`lib/modules/6.1/kernel/a.ko.gz`])).toEqual({ depmod: true, ldconfig: false });
    expect(needsOf(['usr/local/lib/libx.so.1.2'])).toEqual({ depmod: false, ldconfig: true });
  });
});
