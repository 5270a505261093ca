import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/passwd/crypt.js';
import { isLocked } from '../../src/passwd/shadow.js';
import { bootIso } from '../world/bootable/qemu.js';
import { startWorld, type World } from '../world/index.js';
import { buildBundle, isoAsNobody, openDir } from './helpers.js';

/**
 * The proof: a bundle and an ISO of each flavour, built from the test world
 * (the ISO stage as nobody), booted in QEMU; the serial console tells what
 * the Microkernel did.
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

type Flavour = 'dev' | 'prod' | 'debug';

async function bootFlavour(flavour: Flavour, bundleArgs: readonly string[]) {
  const bundle = await buildBundle(world, join(dir, `bundle-${flavour}`), flavour, bundleArgs);
  const out = join(dir, `iso-${flavour}`);
  await mkdir(out, { mode: 0o777 });
  const { chmod } = await import('node:fs/promises');
  await chmod(out, 0o777);
  const extra = flavour === 'prod' ? [] : ['--no-recompress'];
  const run = isoAsNobody(bundle, VERSION, ['--out', out, ...extra]);
  if (run.code !== 0) throw new Error(`iso failed: ${run.stderr}`);
  const boot = await bootIso(join(out, `rz_mk_${flavour}-image.${VERSION}.iso`), { timeoutMs: 240_000 });
  return boot.markers;
}

const value = (markers: readonly string[], key: string) =>
  markers.find((m) => m.startsWith(`${key} `))?.slice(key.length + 1);

/** What every flavour must show: the version, each onboot extension mounted and run, lscpu, bootsync. */
function expectMicrokernel(markers: readonly string[], onboot: readonly string[]): void {
  expect(markers).toContain('MKWORLD-TC-CONFIG-END');
  expect(markers).toContain('MKWORLD-MODULES-OK');
  expect(value(markers, 'MKWORLD-VERSION')).toBe(`mk_version: "${VERSION}"`);
  for (const name of onboot) {
    const stem = name.replace(/\.tcz$/, '');
    expect(markers).toContain(`MKWORLD-MOUNTED ${stem}`);
    expect(markers).toContain(`MKWORLD-TCE-INSTALLED ${stem}`);
    expect(markers.some((m) => m === `MKWORLD-EXT ${stem}` || m.startsWith(`MKWORLD-EXT ${stem} `))).toBe(true);
  }
  expect(markers.some((m) => m.startsWith('MKWORLD-MOUNT-FAILED') || m.startsWith('MKWORLD-MISSING'))).toBe(false);
  const start = markers.indexOf('MKWORLD-BOOTSYNC-START');
  const end = markers.indexOf('MKWORLD-BOOTSYNC-END');
  expect(start).toBeGreaterThan(-1);
  expect(markers.slice(start, end)).toContain('MKWORLD-EXT util-linux lscpu');
  expect(markers).not.toContain('MKWORLD-STOCK-BOOTSYNC');
}

const onbootOf = (world: World, without: readonly string[] = []) =>
  world.tinycore.builtinList
    .trim()
    .split('\n')
    .filter((n) => !without.includes(n));

describe('booting the built ISOs in QEMU', () => {
  it('prod: no ssh anywhere, tc locked', async () => {
    const markers = await bootFlavour('prod', []);
    expectMicrokernel(markers, onbootOf(world, ['openssh.tcz']));
    expect(markers).not.toContain('MKWORLD-MOUNTED openssh');
    expect(value(markers, 'MKWORLD-SSH-FILES')).toBe('0');
    const field = value(markers, 'MKWORLD-SHADOW-TC')?.split(':')[1] ?? '';
    expect(isLocked(field)).toBe(true);
  });

  it('dev: openssh loaded, the tc hash verifies against the given password', async () => {
    const markers = await bootFlavour('dev', ['-t', 'razor-dev-pw']);
    expectMicrokernel(markers, onbootOf(world));
    expect(Number(value(markers, 'MKWORLD-SSH-FILES'))).toBeGreaterThan(0);
    const field = value(markers, 'MKWORLD-SHADOW-TC')?.split(':')[1] ?? '';
    expect(field).toMatch(/^\$6\$/);
    expect(verifyPassword('razor-dev-pw', field)).toBe(true);
    expect(verifyPassword('test1234', field)).toBe(false);
  });

  it('debug: the autologin inittab line is in effect on tty1', async () => {
    const markers = await bootFlavour('debug', []);
    expectMicrokernel(markers, onbootOf(world));
    expect(value(markers, 'MKWORLD-INITTAB-TTY1')).toBe('tty1::respawn:/sbin/getty -nl /sbin/autologin 38400 tty1');
    expect(markers).toContain('MKWORLD-AUTOLOGIN');
    expect(verifyPassword('test1234', value(markers, 'MKWORLD-SHADOW-TC')?.split(':')[1] ?? '')).toBe(true);
  });
});
