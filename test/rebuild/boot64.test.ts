import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLocked } from '../../src/passwd/shadow.js';
import { runCli } from '../bundle/harness.js';
import { BOOT_TEST_TIMEOUT_MS, bootImage, type Firmware, type Medium, runGuest } from '../world/bootable/qemu.js';
import { startWorld, type World } from '../world/index.js';
import { builtinNames, closureOf, expectMicrokernel, type Flavour, value } from './boot-helpers.js';
import { isoAsNobody, openDir } from './helpers.js';

/**
 * Tiny Core 16.x x86_64: the world's CorePure64-shaped Core (Debian's amd64
 * kernel as boot/vmlinuz64; boot/corepure64.gz made as Tiny Core makes it,
 * rootfs64 and modules64 concatenated, the kernel modules only in the
 * second cpio archive) and a 16.x/x86_64 mirror. Each flavour is built with
 * `--tc-version 16.x --arch x86_64` (dev and debug with `--authorized-keys`),
 * its ISO made as nobody with the arch's default `--boot both`, `--pxe` and
 * `--boot-codes`, and booted under SeaBIOS and OVMF from a CD or a disk, and
 * from the PXE files through QEMU's `-kernel/-initrd/-append` (WAYS).
 * Every way, every onboot extension (the `-KERNEL` one named by the Core's
 * own kernel version included) must be installed and mounted by the real
 * tce-load, and the boot codes must reach the kernel.
 */
const VERSION = '0.16.64.1';
const FLAVOURS: readonly Flavour[] = ['dev', 'prod', 'debug'];
const FLAGS = { dev: [], prod: ['-p'], debug: ['-d'] } as const;
type Way = `${Firmware} ${Medium}` | 'pxe';
/**
 * Every flavour under both firmwares, every way by at least one flavour and
 * each firmware from both media: 8 boots instead of 15 keep the suite in
 * CI's time (the way an image boots does not depend on its overlay).
 */
const WAYS: Readonly<Record<Flavour, readonly Way[]>> = {
  dev: ['seabios cd', 'ovmf disk', 'pxe'],
  prod: ['seabios disk', 'ovmf cd', 'pxe'],
  debug: ['seabios cd', 'ovmf disk'],
};
const codes = (flavour: Flavour) => `mkworld.flavour=${flavour}`;

let dir: string;
let world: World;
let keys: string;
const out = (flavour: Flavour) => join(dir, `iso-${flavour}`);
const file = (flavour: Flavour, suffix: string) => join(out(flavour), `rz_mk_${flavour}-image.${VERSION}.${suffix}`);

beforeAll(async () => {
  dir = await openDir('mk-boot64-');
  world = await startWorld(join(dir, 'world'), { bootable: true, tcVersion: '16.x', arch: 'x86_64' });
  keys = join(dir, 'authorized_keys');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'mkworld', '-f', join(dir, 'id')]);
  await copyFile(join(dir, 'id.pub'), keys);
  for (const flavour of FLAVOURS) {
    const bundleDir = join(dir, `bundle-${flavour}`);
    const built = await runCli(
      [
        ...[
          '-b',
          world.builtinList,
          '-m',
          world.mirrorList,
          ...world.flags,
          '--tc-version',
          '16.x',
          '--arch',
          'x86_64',
        ],
        ...['--out', bundleDir, ...FLAGS[flavour], ...(flavour === 'prod' ? [] : ['--authorized-keys', keys])],
      ],
      { XDG_CACHE_HOME: join(dir, 'cache') },
    );
    if (built.code !== 0) throw new Error(`bundle failed: ${built.stderr}`);
    await chmod(bundleDir, 0o755);
    await mkdir(out(flavour));
    await chmod(out(flavour), 0o777);
    const bundle = join(bundleDir, `razor-microkernel-bundle-${flavour}.tar.gz`);
    const run = isoAsNobody(bundle, VERSION, [
      ...['--out', out(flavour), '--pxe', '--boot-codes', codes(flavour), '--json'],
      ...(flavour === 'prod' ? [] : ['--no-recompress']),
    ]);
    if (run.code !== 0) throw new Error(`iso failed: ${run.stderr}`);
    const facts = (JSON.parse(run.stdout) as { iso: Record<string, unknown> }).iso;
    expect(facts).toMatchObject({ boot: 'both', bootCodes: codes(flavour) });
  }
}, 1_200_000);
afterAll(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

async function boot(flavour: Flavour, way: Way): Promise<readonly string[]> {
  if (way !== 'pxe') {
    const [firmware, medium] = way.split(' ') as [Firmware, Medium];
    return (await bootImage(file(flavour, 'iso'), { firmware, medium })).markers;
  }
  const cmdline = (await readFile(file(flavour, 'cmdline'), 'utf8')).trim();
  const media = ['-kernel', file(flavour, 'vmlinuz'), '-initrd', file(flavour, 'core.gz'), '-append', cmdline];
  return (await runGuest(media)).markers;
}

describe('booting 64-bit (Tiny Core 16.x x86_64) images in QEMU', () => {
  it('the world serves a 16.x/x86_64 mirror, its Core and distribution_files (corepure64.gz in two archives)', async () => {
    expect(world.tinycore.isoPath).toMatch(/\/16\.x\/x86_64\/release\/CorePure64-current\.iso$/);
    expect(world.urls.mirror).toMatch(/\/16\.x\/x86_64\/tcz$/);
    expect([...world.tinycore.extensions.keys()]).toContain(`scsi-${world.tinycore.kernelVersion}.tcz`);
    expect(closureOf(world, builtinNames(world))).toContain(`scsi-${world.tinycore.kernelVersion}.tcz`);
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

  it('writes the PXE files beside the ISO, listed in SHA256SUMS, the iPXE script naming them', async () => {
    const sums = await readFile(join(out('dev'), 'SHA256SUMS'), 'utf8');
    for (const suffix of ['iso', 'iso.manifest', 'vmlinuz', 'core.gz', 'cmdline', 'ipxe']) {
      const name = `rz_mk_dev-image.${VERSION}.${suffix}`;
      const hash = createHash('sha256')
        .update(await readFile(file('dev', suffix)))
        .digest('hex');
      expect(sums).toContain(`${hash}  ${name}\n`);
    }
    const cmdline = (await readFile(file('dev', 'cmdline'), 'utf8')).trim();
    expect(cmdline.split(' ')).toContain(codes('dev'));
    expect(cmdline).not.toMatch(/initrd=/);
    const ipxe = await readFile(file('dev', 'ipxe'), 'utf8');
    expect(ipxe).toContain(`kernel rz_mk_dev-image.${VERSION}.vmlinuz initrd=initrd.gz ${cmdline}\n`);
    expect(ipxe).toContain(`initrd --name initrd.gz rz_mk_dev-image.${VERSION}.core.gz\n`);
  });

  for (const flavour of FLAVOURS) {
    it.each(WAYS[flavour])(
      `${flavour} from %s: every onboot extension, the boot codes, the flavour's own state`,
      async (way) => {
        const markers = await boot(flavour, way);
        const without = flavour === 'prod' ? ['openssh.tcz'] : [];
        expectMicrokernel(world, VERSION, markers, closureOf(world, builtinNames(world), without));
        expect(value(markers, 'MKWORLD-CMDLINE')?.split(' ')).toContain(codes(flavour));
        expect(markers.at(-1)).toBe('MKWORLD-POWEROFF');
        if (flavour === 'prod') {
          expect(markers).not.toContain('MKWORLD-MOUNTED openssh');
          expect(value(markers, 'MKWORLD-SSH-FILES')).toBe('0');
          expect(isLocked(value(markers, 'MKWORLD-SHADOW-TC')?.split(':')[1] ?? '')).toBe(true);
          expect(value(markers, 'MKWORLD-AUTHORIZED-KEYS')).toBeUndefined();
        } else {
          expect(Number(value(markers, 'MKWORLD-SSH-FILES'))).toBeGreaterThan(0);
          expect(value(markers, 'MKWORLD-AUTHORIZED-KEYS')).toBe('600 1001:50 700 1001:50 1');
        }
        if (flavour === 'debug') {
          expect(value(markers, 'MKWORLD-INITTAB-TTY1')).toBe(
            'tty1::respawn:/sbin/getty -nl /sbin/autologin 38400 tty1',
          );
          expect(value(markers, 'MKWORLD-TTY1')).toBe('tc -sh');
        }
      },
      BOOT_TEST_TIMEOUT_MS,
    );
  }
});
