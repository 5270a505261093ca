import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { depClosure } from '../../src/tce/closure.js';
import { kernelVersionFromPaths } from '../../src/tce/kernel-version.js';
import { parseExtensionList } from '../../src/tce/list.js';
import { md5Hex, parseMd5Txt } from '../../src/tce/md5.js';
import { extensionUrls, resolveMirror } from '../../src/tce/mirror.js';
import { buildTinyCoreWorld, type TinyCoreWorld } from '../world/tinycore.js';

let dir: string;
let world: TinyCoreWorld;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tce-world-'));
  world = await buildTinyCoreWorld(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const route = (path: string): Buffer => {
  const body = world.routes.get(path);
  if (!body) throw new Error(`no route ${path}`);
  return body;
};
const fetchDep = async (name: string) => world.routes.get(`${world.tczPath}/${name}.dep`)?.toString('utf8') ?? null;

describe('Tiny Core test world', () => {
  it('serves the mirror layout that resolveMirror derives', () => {
    expect(world.kernelVersion).toBe('3.0.21-tinycore');
    const m = resolveMirror({ tcVersion: '4.x', arch: 'x86', base: world.urls('http://127.0.0.1:1').base });
    expect(m.tczUrl).toBe(world.urls('http://127.0.0.1:1').mirror);
    expect(m.isoUrl).toBe(world.urls('http://127.0.0.1:1').iso);
    expect(world.tczPath).toBe('/tinycorelinux/4.x/x86/tcz');
    expect(world.isoPath).toBe('/tinycorelinux/4.x/x86/release/Core-current.iso');
  });

  it('has every default list name and util-linux.tcz, each with valid companions', async () => {
    const names = [
      ...parseExtensionList(world.builtinList, 'builtin').map((e) => e.name),
      ...parseExtensionList(world.mirrorList, 'mirror').map((e) => e.name),
      'util-linux.tcz',
    ];
    expect(names).toHaveLength(21);
    for (const name of names) {
      const urls = extensionUrls(world.tczPath, name);
      const tcz = route(urls.tcz);
      expect(parseMd5Txt(route(urls['md5.txt']).toString(), name, urls['md5.txt'])).toBe(md5Hex(tcz));
      expect(route(urls.info).toString()).toContain(`Title:          ${name}`);
      const ext = world.extensions.get(name);
      expect(ext?.md5).toBe(md5Hex(tcz));
      expect(route(urls.list).toString()).toBe(`${ext?.list.join('\n')}\n`);
      expect(world.routes.has(urls.dep)).toBe(ext?.dep !== null);
      // Real squashfs: its listing matches the .list file.
      const { stdout } = await execa('rdsquashfs', ['-l', '/', join(dir, urls.tcz)]);
      expect(stdout).toMatch(/^[dl-]/);
      const { stdout: sb } = await execa('unsquashfs', ['-s', join(dir, urls.tcz)]);
      expect(sb).toContain('Compression gzip');
      expect(sb).toContain('Block size 4096');
    }
  });

  it('tcz contents: marker scripts, setuid, symlinks, multi-block files', async () => {
    const listing = async (name: string) =>
      (await execa('unsquashfs', ['-lln', join(dir, world.tczPath, name)])).stdout;
    const util = await listing('util-linux.tcz');
    expect(util).toMatch(/-rwxr-xr-x 0\/0 .* squashfs-root\/usr\/local\/sbin\/sfdisk/);
    expect(util).toContain('squashfs-root/usr/local/bin/lscpu');
    expect(await listing('fuse.tcz')).toMatch(/-rwsr-xr-x 0\/0 .*usr\/local\/bin\/fusermount/);
    expect(await listing('gcc_libs.tcz')).toContain('libstdc++.so.6 -> libstdc++.so.6.0.14');
    expect(await listing('firmware-bnx2.tcz')).toMatch(/20000 .*bnx2-mips-09-6.2.1a.fw/);
    const { stdout: ruby } = await execa('rdsquashfs', [
      '-c',
      'usr/local/bin/ruby',
      join(dir, world.tczPath, 'ruby.tcz'),
    ]);
    expect(ruby).toBe('#!/bin/sh\necho "MKWORLD-EXT ruby" "$@"');
    expect(world.extensions.get('util-linux.tcz')?.programs.get('usr/local/bin/lscpu')).toBe(
      'MKWORLD-EXT util-linux lscpu',
    );
  });

  it('dep graph: closed default lists, a 3-edge chain, KERNEL, a loop, 404 and empty .dep', async () => {
    const builtin = parseExtensionList(world.builtinList, 'builtin').map((e) => e.name);
    const mirror = parseExtensionList(world.mirrorList, 'mirror').map((e) => e.name);
    const b = await depClosure(builtin, fetchDep, { kernelVersion: world.kernelVersion });
    expect(new Set(b.loadOrder)).toEqual(new Set(builtin));
    expect(b.cycles).toEqual([]);
    const chain = await depClosure(['ruby.tcz'], fetchDep, { kernelVersion: world.kernelVersion });
    expect(chain.discoveryOrder).toEqual(['ruby.tcz', 'openssl-1.0.0.tcz', 'libssl-0.9.8.tcz', 'gcc_libs.tcz']);
    expect(b.deps.get('lshw.tcz')).toEqual(['gcc_libs.tcz', 'scsi-3.0.21-tinycore.tcz']);
    expect(route(`${world.tczPath}/lshw.tcz.dep`).toString()).toContain('scsi-KERNEL.tcz');
    const m = await depClosure(mirror, fetchDep, { kernelVersion: world.kernelVersion });
    expect(new Set(m.loadOrder)).toEqual(new Set(mirror));
    expect(m.cycles).toEqual([['ncurses-common.tcz', 'ncurses.tcz', 'ncurses-common.tcz']]);
    expect(world.routes.has(`${world.tczPath}/bash.tcz.dep`)).toBe(false);
    expect(route(`${world.tczPath}/perl5.tcz.dep`).toString().trim()).toBe('');
    for (const ext of world.extensions.values())
      expect(b.deps.get(ext.name) ?? m.deps.get(ext.name) ?? ext.deps).toEqual(ext.deps);
  });

  it('the Core ISO holds Core-shaped boot files and a core.gz with one lib/modules/<kver>/', async () => {
    const { stdout } = await execa('xorriso', ['-indev', world.isoFile, '-find', '/']);
    for (const path of [
      'vmlinuz',
      'core.gz',
      'isolinux/isolinux.bin',
      'isolinux/ldlinux.c32',
      'isolinux/isolinux.cfg',
      'isolinux/boot.msg',
      'isolinux/boot.cat',
    ]) {
      expect(stdout).toContain(`'/boot/${path}'`);
    }
    const out = join(dir, 'extracted');
    await execa('xorriso', ['-osirrox', 'on', '-indev', world.isoFile, '-extract', '/boot', out]);
    const cfg = await readFile(join(out, 'isolinux/isolinux.cfg'), 'utf8');
    expect(cfg).toMatch(
      /^display boot.msg\ndefault microcore\nlabel microcore\n\tkernel \/boot\/vmlinuz\n\tinitrd \/boot\/core.gz\n/,
    );
    expect(cfg).toContain('timeout 300\n');
    const coreGz = await readFile(join(out, 'core.gz'));
    expect(coreGz.equals(world.coreGz)).toBe(true);
    const { stdout: cpio } = await execa('cpio', ['-t', '--quiet'], { input: gunzipSync(coreGz) });
    const names = cpio.split('\n');
    expect(kernelVersionFromPaths(names, 'Core-current.iso')).toBe('3.0.21-tinycore');
    expect(names).toContain('lib/modules/3.0.21-tinycore/kernel.tclocal');
    const { stdout: long } = await execa('cpio', ['-tv', '--quiet'], { input: gunzipSync(coreGz) });
    expect(long).toMatch(/^crw------- .* dev\/console$/m);
    expect(long).toMatch(/^brw-rw---- .* dev\/loop0$/m);
    expect(long).toMatch(/^-rwsr-xr-x .* usr\/bin\/sudo$/m);
    expect(long).toMatch(/^lrwxrwxrwx .* bin\/sh -> busybox$/m);
    expect(long).toMatch(/^drwxrwxrwt .* tmp$/m);
  });

  it('is cheap the second time and byte-identical', async () => {
    const again = await mkdtemp(join(tmpdir(), 'tce-world-'));
    try {
      const started = Date.now();
      const second = await buildTinyCoreWorld(again);
      expect(Date.now() - started).toBeLessThan(5000);
      expect([...second.routes.keys()]).toEqual([...world.routes.keys()]);
      for (const [path, body] of world.routes) expect(second.routes.get(path)?.equals(body)).toBe(true);
    } finally {
      await rm(again, { recursive: true, force: true });
    }
  });
});
