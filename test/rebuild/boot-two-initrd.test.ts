import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../bundle/harness.js';
import { TWO_INITRDS } from '../world/bootable/isolinux.js';
import { BOOT_TEST_TIMEOUT_MS, bootImage, type Firmware, type Medium } from '../world/bootable/qemu.js';
import { startWorld, type World } from '../world/index.js';
import { builtinNames, closureOf, expectMicrokernel, value } from './boot-helpers.js';
import { cpioList, fromIso, isoAsNobody, openDir } from './helpers.js';

/**
 * A CorePure64 whose isolinux.cfg boots boot/rootfs64.gz and
 * boot/modules64.gz as two initrds (no corepure64.gz). The ISO stage merges
 * both with the overlays into one boot/corepure64.gz that isolinux.cfg,
 * grub.cfg, iso-metadata.yaml and the PXE files all name; the two old files
 * leave the tree. One dev build, made as nobody with the arch's default
 * `--boot both`, `--pxe` and `--boot-codes`: its tree is read with xorriso and
 * GNU cpio, and it boots under SeaBIOS and OVMF from a CD with every onboot
 * extension (the `-KERNEL` one named by the Core's kernel version included).
 */
const VERSION = '0.16.64.2';
const CODES = 'mkworld.two-initrds=1';
const KERNEL = 'boot/vmlinuz64';
const REBUILT = 'boot/corepure64.gz';

let dir: string;
let world: World;
let run: { code: number; stdout: string; stderr: string };
const out = () => join(dir, 'iso');
const file = (suffix: string) => join(out(), `rz_mk_dev-image.${VERSION}.${suffix}`);

const isoFiles = (iso: string): string[] =>
  execFileSync('xorriso', ['-indev', iso, '-find', '/boot', '-type', 'f'], { stdio: ['ignore', 'pipe', 'ignore'] })
    .toString()
    .trim()
    .split('\n')
    .map((line) => line.replace(/^'\/|'$/g, ''));

async function readFromIso(iso: string, inside: string): Promise<Buffer> {
  const dest = join(dir, 'extracted', inside);
  await mkdir(join(dest, '..'), { recursive: true });
  fromIso(iso, inside, dest);
  return readFile(dest);
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

beforeAll(async () => {
  dir = await openDir('mk-two-initrds-');
  world = await startWorld(join(dir, 'world'), {
    bootable: true,
    tcVersion: '16.x',
    arch: 'x86_64',
    twoInitrds: true,
  });
  const bundleDir = join(dir, 'bundle');
  const built = await runCli(
    [
      ...['-b', world.builtinList, '-m', world.mirrorList, ...world.flags],
      ...['--tc-version', '16.x', '--arch', 'x86_64', '--out', bundleDir],
    ],
    { XDG_CACHE_HOME: join(dir, 'cache') },
  );
  if (built.code !== 0) throw new Error(`bundle failed: ${built.stderr}`);
  await chmod(bundleDir, 0o755);
  await mkdir(out());
  await chmod(out(), 0o777);
  const bundle = join(bundleDir, 'razor-microkernel-bundle-dev.tar.gz');
  run = isoAsNobody(bundle, VERSION, ['--out', out(), '--pxe', '--boot-codes', CODES, '--no-recompress', '--json']);
  if (run.code !== 0) throw new Error(`iso failed: ${run.stderr}`);
}, 1_200_000);
afterAll(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a Core ISO booting rootfs64.gz and modules64.gz as two initrds', () => {
  it('the world serves it so: both files, no corepure64.gz, every isolinux.cfg entry naming both', async () => {
    const files = isoFiles(world.coreIso);
    expect(files).toEqual(expect.arrayContaining([KERNEL, ...TWO_INITRDS]));
    expect(files).not.toContain(REBUILT);
    const cfg = (await readFromIso(world.coreIso, 'boot/isolinux/isolinux.cfg')).toString();
    expect(cfg.match(/\/boot\/rootfs64\.gz,\/boot\/modules64\.gz/g)).toHaveLength(2);
  });

  it('the ISO has one initramfs, corepure64.gz, holding both halves and the overlay in one archive', async () => {
    const iso = file('iso');
    const files = isoFiles(iso);
    expect(files).toContain(REBUILT);
    for (const old of TWO_INITRDS) expect(files).not.toContain(old);
    const initrd = join(dir, 'extracted', 'rebuilt.gz');
    fromIso(iso, REBUILT, initrd);
    // GNU cpio stops at the first trailer: everything listed is in the first (and only) archive.
    const names = cpioList(initrd).map((line) => line.split(/\s+/).slice(8).join(' '));
    const kver = world.tinycore.kernelVersion;
    expect(names).toEqual(
      expect.arrayContaining([
        'bin/busybox',
        'etc/init.d/tc-config',
        `lib/modules/${kver}/modules.dep`,
        'tmp/mk-version.yaml',
        'usr/share/mkbundle/manifest',
      ]),
    );
    expect(
      names.filter((n) => n.startsWith(`lib/modules/${kver}/kernel/`) && n.endsWith('.ko')).length,
    ).toBeGreaterThan(0);
    const metadata = (await readFromIso(iso, 'iso-metadata.yaml')).toString();
    expect(metadata).toContain(`\ninitrd: ${REBUILT}\n`);
    expect(metadata).toContain(`\ninitrd_hash: '${sha256(await readFile(initrd))}'\n`);
  });

  it('isolinux.cfg and grub.cfg load corepure64.gz alone, with the boot codes', async () => {
    const iso = file('iso');
    const cfg = (await readFromIso(iso, 'boot/isolinux/isolinux.cfg')).toString();
    expect(cfg).toContain(`\tinitrd /${REBUILT}\n`);
    expect(cfg).toContain(`\tappend initrd=/${REBUILT} loglevel=3 console=ttyS0,115200 panic=1 ${CODES}\n`);
    expect(cfg).not.toMatch(/rootfs64|modules64/);
    const grub = (await readFromIso(iso, 'boot/grub/grub.cfg')).toString();
    expect(grub).toContain(`\tlinux /${KERNEL} loglevel=3 console=ttyS0,115200 panic=1 ${CODES}\n`);
    expect(grub).toContain(`\tinitrd /${REBUILT}\n`);
  });

  it('the PXE initrd is the same corepure64.gz; the iPXE script loads it alone', async () => {
    const inIso = await readFromIso(file('iso'), REBUILT);
    expect((await readFile(file('core.gz'))).equals(inIso)).toBe(true);
    const cmdline = (await readFile(file('cmdline'), 'utf8')).trim();
    expect(cmdline).toBe(`loglevel=3 console=ttyS0,115200 panic=1 ${CODES}`);
    const ipxe = await readFile(file('ipxe'), 'utf8');
    expect(ipxe.match(/^initrd /gm)).toEqual(['initrd ']);
    expect(ipxe).toContain(`initrd --name initrd.gz rz_mk_dev-image.${VERSION}.core.gz\n`);
  });

  it("says so, and counts both of the Core's files as the original size", async () => {
    expect(run.stderr).toContain(
      `note: CorePure64-current.iso boots 2 initrds (${TWO_INITRDS.join(', ')}): merged into one, ${REBUILT}, which every boot entry loads\n`,
    );
    const facts = (JSON.parse(run.stdout) as { iso: { initrd: { path: string; originalSize: number } } }).iso;
    let original = 0;
    for (const inside of TWO_INITRDS) original += (await readFromIso(world.coreIso, inside)).length;
    expect(facts.initrd).toMatchObject({ path: REBUILT, originalSize: original });
  });

  it.each(['seabios cd', 'ovmf cd'] as const)(
    'boots from %s: every onboot extension, the boot codes',
    async (way) => {
      const [firmware, medium] = way.split(' ') as [Firmware, Medium];
      const { markers } = await bootImage(file('iso'), { firmware, medium });
      expectMicrokernel(world, VERSION, markers, closureOf(world, builtinNames(world)));
      expect(value(markers, 'MKWORLD-CMDLINE')?.split(' ')).toContain(CODES);
      expect(markers.at(-1)).toBe('MKWORLD-POWEROFF');
    },
    BOOT_TEST_TIMEOUT_MS,
  );
});
