import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/passwd/crypt.js';
import { isLocked } from '../../src/passwd/shadow.js';
import { runCli } from '../bundle/harness.js';
import { BOOT_TEST_TIMEOUT_MS, bootIso } from '../world/bootable/qemu.js';
import { startWorld, type World } from '../world/index.js';
import { isoAsNobody, openDir } from './helpers.js';

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

type Flavour = 'dev' | 'prod' | 'debug';
const FLAVOUR_FLAGS = { dev: [], prod: ['-p'], debug: ['-d'] } as const;

/** Builds a bundle from `list` (the world's builtin list by default) and its ISO, boots it, returns the markers. */
async function bootBuilt(name: string, flavour: Flavour, bundleArgs: readonly string[], list = world.builtinList) {
  const bundleDir = join(dir, `bundle-${name}`);
  const built = await runCli(
    ['-b', list, '-m', world.mirrorList, ...world.flags, '--out', bundleDir, ...FLAVOUR_FLAGS[flavour], ...bundleArgs],
    { XDG_CACHE_HOME: join(dir, 'cache') },
  );
  if (built.code !== 0) throw new Error(`bundle failed: ${built.stderr}`);
  await chmod(bundleDir, 0o755);
  const out = join(dir, `iso-${name}`);
  await mkdir(out);
  await chmod(out, 0o777);
  const extra = flavour === 'prod' ? [] : ['--no-recompress'];
  const bundle = join(bundleDir, `razor-microkernel-bundle-${flavour}.tar.gz`);
  const run = isoAsNobody(bundle, VERSION, ['--out', out, ...extra]);
  if (run.code !== 0) throw new Error(`iso failed: ${run.stderr}`);
  const boot = await bootIso(join(out, `rz_mk_${flavour}-image.${VERSION}.iso`));
  return boot.markers;
}

const value = (markers: readonly string[], key: string) =>
  markers.find((m) => m.startsWith(`${key} `))?.slice(key.length + 1);

const stem = (name: string) => name.replace(/\.tcz$/, '');

/** `names` and everything their `.dep` files reach in the world's mirror, less `without`. */
function closureOf(names: readonly string[], without: readonly string[] = []): string[] {
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name) || without.includes(name)) return;
    seen.add(name);
    for (const dep of world.tinycore.extensions.get(name)?.deps ?? []) visit(dep);
  };
  for (const name of names) visit(name);
  return [...seen];
}

const builtinNames = () => world.tinycore.builtinList.trim().split('\n');

/** Every flavour: the version, each extension installed, mounted and its programs run, lscpu in bootsync. */
function expectMicrokernel(markers: readonly string[], loaded: readonly string[]): void {
  expect(markers).toContain('MKWORLD-TC-CONFIG-DONE');
  expect(markers).toContain('MKWORLD-MODULES-OK');
  expect(value(markers, 'MKWORLD-VERSION')).toBe(`mk_version: "${VERSION}"`);
  const missing: string[] = [];
  for (const name of loaded) {
    const wanted = [
      `MKWORLD-INSTALLED ${stem(name)}`,
      `MKWORLD-MOUNTED ${stem(name)}`,
      ...(world.tinycore.extensions.get(name)?.programs.values() ?? []),
    ];
    missing.push(...wanted.filter((line) => !markers.includes(line)));
  }
  expect(missing).toEqual([]);
  expect(markers.filter((m) => m.startsWith('MKWORLD-NOT-LINKED '))).toEqual([]);
  const start = markers.indexOf('MKWORLD-BOOTSYNC-START');
  const end = markers.indexOf('MKWORLD-BOOTSYNC-END');
  expect(start).toBeGreaterThan(-1);
  expect(markers.slice(start, end)).toContain('MKWORLD-EXT util-linux lscpu');
  expect(markers).toContain('MKWORLD-BOOTLOCAL-RAN');
}

describe('booting the built ISOs in QEMU', () => {
  it(
    'prod: every onboot extension and its closure loaded, no ssh anywhere, tc locked',
    async () => {
      const markers = await bootBuilt('prod', 'prod', []);
      expectMicrokernel(markers, closureOf(builtinNames(), ['openssh.tcz']));
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
      const markers = await bootBuilt('dev', 'dev', ['-t', 'razor-dev-pw']);
      expectMicrokernel(markers, closureOf(builtinNames()));
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
      const markers = await bootBuilt('debug', 'debug', []);
      expectMicrokernel(markers, closureOf(builtinNames()));
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
      const markers = await bootBuilt('control', 'dev', ['--no-deps'], list);
      // The boot itself went through: only the extension checks fail.
      expect(markers).toContain('MKWORLD-TC-CONFIG-DONE');
      expect(markers).toContain('MKWORLD-BOOTSYNC-END');
      const loaded = markers.filter((m) => /^MKWORLD-(INSTALLED|MOUNTED) /.test(m));
      for (const name of closureOf(['ruby.tcz'])) {
        expect(loaded).not.toContain(`MKWORLD-INSTALLED ${stem(name)}`);
        expect(loaded).not.toContain(`MKWORLD-MOUNTED ${stem(name)}`);
      }
      expect(markers).not.toContain('MKWORLD-EXT ruby');
    },
    BOOT_TEST_TIMEOUT_MS,
  );
});
