import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/passwd/crypt.js';
import { isLocked } from '../../src/passwd/shadow.js';
import { BOOT_TEST_TIMEOUT_MS } from '../world/bootable/qemu.js';
import { startWorld, type World } from '../world/index.js';
import { type BootBuild, bootBuilt, builtinNames, closureOf, expectMicrokernel, stem, value } from './boot-helpers.js';
import { openDir } from './helpers.js';

/**
 * The proof: a bundle and an ISO of each flavour, built from the test world
 * (the ISO stage as nobody), booted in QEMU under Tiny Core's own boot
 * scripts; the world's report on the serial console tells what tce-load
 * installed and mounted and what the Microkernel did.
 */
const VERSION = '0.9.0.1';
let dir: string;
let world: World;

beforeAll(async () => {
  dir = await openDir('mk-boot-');
  world = await startWorld(join(dir, 'world'), { bootable: true });
}, 600_000);
afterAll(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

const build = (): BootBuild => ({ world, dir, version: VERSION });
const closure = (names: readonly string[], without: readonly string[] = []) => closureOf(world, names, without);
const expectMk = (markers: readonly string[], loaded: readonly string[]) =>
  expectMicrokernel(world, VERSION, markers, loaded);

describe('booting the built ISOs in QEMU', () => {
  it(
    'prod: every onboot extension and its closure loaded, no ssh anywhere, tc locked',
    async () => {
      const markers = await bootBuilt(build(), 'prod', 'prod', []);
      expectMk(markers, closure(builtinNames(world), ['openssh.tcz']));
      expect(markers).not.toContain('MKWORLD-MOUNTED openssh');
      expect(value(markers, 'MKWORLD-SSH-FILES')).toBe('0');
      expect(isLocked(value(markers, 'MKWORLD-SHADOW-TC')?.split(':')[1] ?? '')).toBe(true);
      expect(value(markers, 'MKWORLD-SHADOW-MODE')).toBe('600 0:0');
    },
    BOOT_TEST_TIMEOUT_MS,
  );

  it(
    'dev: openssh loaded, the tc hash verifies against the given password',
    async () => {
      const markers = await bootBuilt(build(), 'dev', 'dev', ['-t', 'razor-dev-pw']);
      expectMk(markers, closure(builtinNames(world)));
      expect(Number(value(markers, 'MKWORLD-SSH-FILES'))).toBeGreaterThan(0);
      const field = value(markers, 'MKWORLD-SHADOW-TC')?.split(':')[1] ?? '';
      expect(field).toMatch(/^\$6\$/);
      expect(verifyPassword('razor-dev-pw', field)).toBe(true);
      expect(verifyPassword('test1234', field)).toBe(false);
      expect(value(markers, 'MKWORLD-SHADOW-MODE')).toBe('600 0:0');
    },
    BOOT_TEST_TIMEOUT_MS,
  );

  it(
    'debug: the autologin inittab line in effect, tc logged in on tty1',
    async () => {
      const markers = await bootBuilt(build(), 'debug', 'debug', []);
      expectMk(markers, closure(builtinNames(world)));
      expect(value(markers, 'MKWORLD-INITTAB-TTY1')).toBe('tty1::respawn:/sbin/getty -nl /sbin/autologin 38400 tty1');
      expect(value(markers, 'MKWORLD-TTY1')).toBe('tc -sh');
      expect(verifyPassword('test1234', value(markers, 'MKWORLD-SHADOW-TC')?.split(':')[1] ?? '')).toBe(true);
    },
    BOOT_TEST_TIMEOUT_MS,
  );

  it(
    'control: with --no-deps, the real tce-load leaves ruby and its dependencies out',
    async () => {
      const list = join(dir, 'only-ruby.lst');
      await writeFile(list, 'ruby.tcz\n');
      const markers = await bootBuilt(build(), 'control', 'dev', ['--no-deps'], list);
      // The boot itself went through: only the extension checks fail.
      expect(markers).toContain('MKWORLD-TC-CONFIG-DONE');
      expect(markers).toContain('MKWORLD-BOOTSYNC-END');
      const loaded = markers.filter((m) => /^MKWORLD-(INSTALLED|MOUNTED) /.test(m));
      for (const name of closure(['ruby.tcz'])) {
        expect(loaded).not.toContain(`MKWORLD-INSTALLED ${stem(name)}`);
        expect(loaded).not.toContain(`MKWORLD-MOUNTED ${stem(name)}`);
      }
      expect(markers).not.toContain('MKWORLD-EXT ruby');
    },
    BOOT_TEST_TIMEOUT_MS,
  );
});
