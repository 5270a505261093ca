import { createHash } from 'node:crypto';
import { chmod, cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOOT_TEST_TIMEOUT_MS, bootImage, type Firmware, type Medium } from '../world/bootable/qemu.js';
import { startWorld, type World } from '../world/index.js';
import { builtinNames, closureOf, expectMicrokernel } from './boot-helpers.js';
import { buildBundle, isoAsNobody, openDir, replaceInIso, reseal, unpackBundle } from './helpers.js';

/**
 * One hybrid ISO (`--boot both`, built as nobody) of the 32-bit-layout world,
 * booted under SeaBIOS from a disk and under OVMF from a CD. Each must reach
 * the end of a normal boot with every onboot extension installed and mounted.
 */
const VERSION = '0.9.0.1';
const EPOCH = '1704067200';
let dir: string;
let world: World;
let bundle: string;
let iso: string;

const isoIn = (out: string) => join(out, `rz_mk_dev-image.${VERSION}.iso`);
const sha256 = async (path: string) =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

async function outDir(name: string): Promise<string> {
  const out = join(dir, name);
  await mkdir(out);
  await chmod(out, 0o777);
  return out;
}

function isoFacts(stdout: string): Record<string, unknown> {
  const doc = JSON.parse(stdout) as { iso?: Record<string, unknown> };
  return doc.iso ?? {};
}

beforeAll(async () => {
  dir = await openDir('mk-boot-firmware-');
  world = await startWorld(join(dir, 'world'), { bootable: true });
  bundle = await buildBundle(world, join(dir, 'bundles'), 'dev');
  const out = await outDir('both');
  const run = isoAsNobody(bundle, VERSION, ['--out', out, '--boot', 'both', '--no-recompress', '--json'], {
    SOURCE_DATE_EPOCH: EPOCH,
  });
  if (run.code !== 0) throw new Error(`iso failed: ${run.stderr}`);
  expect(isoFacts(run.stdout)).toMatchObject({ boot: 'both', hybrid: true });
  iso = isoIn(out);
}, 600_000);
afterAll(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the hybrid ISO', () => {
  it('is the same bytes when built again with the same SOURCE_DATE_EPOCH', async () => {
    const out = await outDir('again');
    const run = isoAsNobody(bundle, VERSION, ['--out', out, '--boot', 'both', '--no-recompress'], {
      SOURCE_DATE_EPOCH: EPOCH,
    });
    expect(run.code).toBe(0);
    expect(await sha256(isoIn(out))).toBe(await sha256(iso));
  });

  // Two of the four ways: test/rebuild/boot64.test.ts boots every firmware and medium of the 64-bit world.
  it.each<[Firmware, Medium]>([
    ['seabios', 'disk'],
    ['ovmf', 'cd'],
  ])(
    'boots under %s from %s with every onboot extension installed',
    async (firmware, medium) => {
      const { markers, log } = await bootImage(iso, { firmware, medium });
      // The firmware's own path: ISOLINUX's boot.msg under BIOS, GRUB under UEFI from the device asked for.
      if (firmware === 'seabios') {
        expect(markers[0]).toMatch(/^MKWORLD-ISOLINUX /);
      } else {
        expect(markers.filter((m) => m.startsWith('MKWORLD-ISOLINUX'))).toEqual([]);
        expect(log).toMatch(
          medium === 'cd' ? /starting Boot\d+ "UEFI QEMU DVD-ROM/ : /starting Boot\d+ "UEFI QEMU HARDDISK/,
        );
        expect(log).toContain('Welcome to GRUB!');
      }
      expectMicrokernel(world, VERSION, markers, closureOf(world, builtinNames(world)));
      expect(markers.at(-1)).toBe('MKWORLD-POWEROFF');
    },
    BOOT_TEST_TIMEOUT_MS,
  );
});

describe('--boot', () => {
  it("defaults to bios for the world's 32-bit-shaped Core", async () => {
    const out = await outDir('default');
    const run = isoAsNobody(bundle, VERSION, ['--out', out, '--no-recompress', '--json']);
    expect(run.code).toBe(0);
    expect(isoFacts(run.stdout)).toMatchObject({ boot: 'bios' });
  });

  it('takes bios, uefi or both only', () => {
    const run = isoAsNobody(bundle, VERSION, ['--out', dir, '--boot', 'efi']);
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr.split('\n')[0]).toBe(`mkbundle: error: option '--boot' must be bios, uefi, both, got "efi"`);
  });

  it('refuses uefi and both for a kernel without an EFI stub, in one line, writing nothing', async () => {
    const clean = await unpackBundle(bundle, join(dir, 'clean'));
    const edited = join(dir, 'no-stub');
    await cp(clean, edited, { recursive: true });
    await writeFile(join(dir, 'not-pe'), Buffer.alloc(8192, 0x90));
    await rm(join(edited, 'Core-current.iso'));
    replaceInIso(
      join(clean, 'Core-current.iso'),
      'boot/vmlinuz',
      join(dir, 'not-pe'),
      join(edited, 'Core-current.iso'),
    );
    await reseal(edited, 'Core-current.iso');
    await chmod(edited, 0o755);
    for (const mode of ['uefi', 'both']) {
      const out = await outDir(`refused-${mode}`);
      const run = isoAsNobody(edited, VERSION, ['--out', out, '--boot', mode]);
      expect(run.code).toBe(1);
      expect(run.stderr.split('\n').filter((line) => line.startsWith('mkbundle: error:'))).toEqual([
        `mkbundle: error: --boot ${mode}: boot/vmlinuz has no EFI stub (no PE header), so UEFI cannot start it; use --boot bios`,
      ]);
      // Refused after reading the Core ISO's kernel, before the merge.
      expect(run.stderr).not.toContain('==> merge');
      expect(await readdir(out)).toEqual([]);
    }
    const out = await outDir('refused-bios');
    expect(isoAsNobody(edited, VERSION, ['--out', out, '--boot', 'bios']).code).toBe(0);
  });
});
