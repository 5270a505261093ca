import { chmod, copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuiltIso, buildIso } from '../../src/iso/build.js';
import { buildBootableCoreIso } from '../world/bootable/core-iso.js';
import { BOOT_TEST_TIMEOUT_MS, bootIso, runGuest } from '../world/bootable/qemu.js';

/** Lines a boot to the end shows: ISOLINUX's boot.msg, then the world's report after tc-config, and power-off. */
const BOOTED = [
  expect.stringMatching(/^MKWORLD-ISOLINUX /),
  'MKWORLD-TC-CONFIG-DONE',
  'MKWORLD-MODULES-OK',
  'MKWORLD-POWEROFF',
];

let work: string;
let built: BuiltIso;

beforeAll(async () => {
  const world = await buildBootableCoreIso();
  work = await mkdtemp(join(tmpdir(), 'mkbundle-iso-boot-'));
  await chmod(work, 0o755);
  // Copies: another test run may prune the shared world cache meanwhile.
  await copyFile(world.iso, join(work, 'core.iso'));
  await copyFile(world.coreGzPath, join(work, 'core.gz'));
  built = await buildIso({
    coreIso: join(work, 'core.iso'),
    boot: { kernel: 'boot/vmlinuz', initrd: 'boot/core.gz' },
    initramfs: join(work, 'core.gz'),
    version: 'boot-test',
    flavour: 'dev',
    outDir: join(work, 'out'),
    sourceDateEpoch: 1_704_067_200,
  });
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/**
 * Boots the image as the only hard disk: the BIOS runs the isohybrid MBR,
 * which starts ISOLINUX from the ISO's data. `snapshot=on` keeps the file
 * unchanged whatever the guest writes.
 */
const bootAsDisk = (image: string) => runGuest(['-boot', 'c', '-drive', `file=${image},format=raw,if=ide,snapshot=on`]);

describe('the written ISO boots', () => {
  it(
    'from CD',
    async () => {
      const { markers } = await bootIso(built.path);
      expect(markers).toEqual(expect.arrayContaining(BOOTED));
      expect(markers.indexOf('MKWORLD-TC-CONFIG-DONE')).toBeLessThan(markers.indexOf('MKWORLD-POWEROFF'));
    },
    BOOT_TEST_TIMEOUT_MS,
  );

  it(
    'as a hard disk, through its isohybrid MBR',
    async () => {
      const { log, markers } = await bootAsDisk(built.path);
      // SeaBIOS's word that it started the disk's MBR: there is no CD drive to fall back on.
      expect(log).toContain('Booting from Hard Disk...');
      expect(markers).toEqual(expect.arrayContaining(BOOTED));
      expect(markers.indexOf('MKWORLD-TC-CONFIG-DONE')).toBeLessThan(markers.indexOf('MKWORLD-POWEROFF'));
    },
    BOOT_TEST_TIMEOUT_MS,
  );
});
