import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLocked } from '../../src/passwd/shadow.js';
import { BOOT_TEST_TIMEOUT_MS } from '../world/bootable/qemu.js';
import { startWorld, type World } from '../world/index.js';
import { type BootBuild, bootBuilt, builtinNames, closureOf, expectMicrokernel, value } from './boot-helpers.js';
import { openDir } from './helpers.js';

/**
 * Tiny Core 16.x x86_64: the world's CorePure64-shaped Core (Debian's amd64
 * kernel as boot/vmlinuz64; boot/corepure64.gz made as Tiny Core makes it,
 * rootfs64 and modules64 concatenated, the kernel modules only in the
 * second cpio archive) and a 16.x/x86_64 mirror. Each flavour is built with
 * `--tc-version 16.x --arch x86_64`, its ISO made as nobody, and booted:
 * every onboot extension, the `-KERNEL` one named by the Core's own kernel
 * version included, must be installed and mounted by the real tce-load.
 */
const VERSION = '0.16.64.1';
let dir: string;
let world: World;

beforeAll(async () => {
  dir = await openDir('mk-boot64-');
  world = await startWorld(join(dir, 'world'), { bootable: true, tcVersion: '16.x', arch: 'x86_64' });
}, 600_000);
afterAll(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

const build = (): BootBuild => ({ world, dir, version: VERSION, common: ['--tc-version', '16.x', '--arch', 'x86_64'] });
const all = () => closureOf(world, builtinNames(world));

describe('booting 64-bit (Tiny Core 16.x x86_64) ISOs in QEMU', () => {
  it('the world serves a 16.x/x86_64 mirror, its Core and distribution_files (corepure64.gz in two archives)', async () => {
    expect(world.tinycore.isoPath).toMatch(/\/16\.x\/x86_64\/release\/CorePure64-current\.iso$/);
    expect(world.urls.mirror).toMatch(/\/16\.x\/x86_64\/tcz$/);
    expect([...world.tinycore.extensions.keys()]).toContain(`scsi-${world.tinycore.kernelVersion}.tcz`);
    expect(all()).toContain(`scsi-${world.tinycore.kernelVersion}.tcz`);
    const files = world.tinycore.isoPath.replace(/CorePure64-current\.iso$/, 'distribution_files');
    const served = async (path: string) => Buffer.from(await (await fetch(`${world.server.url}${path}`)).arrayBuffer());
    const parts: Buffer[] = [];
    for (const name of ['vmlinuz64', 'corepure64.gz', 'rootfs64.gz', 'modules64.gz']) {
      const body = await served(`${files}/${name}`);
      const md5 = (await served(`${files}/${name}.md5.txt`)).toString();
      expect(md5).toBe(`${createHash('md5').update(body).digest('hex')}  ${name}\n`);
      parts.push(body);
    }
    // corepure64.gz is rootfs64.gz and modules64.gz concatenated, as Tiny Core makes it.
    expect(parts[1]?.equals(Buffer.concat([parts[2] as Buffer, parts[3] as Buffer]))).toBe(true);
  });

  it(
    'dev: every onboot extension installed and mounted, ssh present',
    async () => {
      const markers = await bootBuilt(build(), 'dev', 'dev', []);
      expectMicrokernel(world, VERSION, markers, all());
      expect(Number(value(markers, 'MKWORLD-SSH-FILES'))).toBeGreaterThan(0);
    },
    BOOT_TEST_TIMEOUT_MS,
  );

  it(
    'prod: the closure without openssh, no ssh anywhere, tc locked',
    async () => {
      const markers = await bootBuilt(build(), 'prod', 'prod', []);
      expectMicrokernel(world, VERSION, markers, closureOf(world, builtinNames(world), ['openssh.tcz']));
      expect(markers).not.toContain('MKWORLD-MOUNTED openssh');
      expect(value(markers, 'MKWORLD-SSH-FILES')).toBe('0');
      expect(isLocked(value(markers, 'MKWORLD-SHADOW-TC')?.split(':')[1] ?? '')).toBe(true);
    },
    BOOT_TEST_TIMEOUT_MS,
  );

  it(
    'debug: autologin on tty1',
    async () => {
      const markers = await bootBuilt(build(), 'debug', 'debug', []);
      expectMicrokernel(world, VERSION, markers, all());
      expect(value(markers, 'MKWORLD-INITTAB-TTY1')).toBe('tty1::respawn:/sbin/getty -nl /sbin/autologin 38400 tty1');
      expect(value(markers, 'MKWORLD-TTY1')).toBe('tc -sh');
    },
    BOOT_TEST_TIMEOUT_MS,
  );
});
