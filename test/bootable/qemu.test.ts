import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BootableCoreIso, buildBootableCoreIso } from '../world/bootable/core-iso.js';
import { writeCoreTree, writeIso } from '../world/bootable/iso.js';
import { ISOLINUX_CFG } from '../world/bootable/isolinux.js';
import {
  BOOT_TEST_TIMEOUT_MS,
  BootTimeoutError,
  bootIso,
  cleanLog,
  markerLines,
  mediumArgs,
} from '../world/bootable/qemu.js';

let world: BootableCoreIso;
let work: string;
beforeAll(async () => {
  world = await buildBootableCoreIso();
  work = await mkdtemp(join(tmpdir(), 'mkworld-qemu-test-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the QEMU runner', () => {
  it('strips escapes and carriage returns and keeps whole MKWORLD- lines only', () => {
    const raw = '\x1bcSeaBIOS\r\n\x1b[2J\x1b[1;1HMKWORLD-A one\r\nsay MKWORLD-B\r\n\x1b[0mMKWORLD-C\r\n';
    const log = cleanLog(raw);
    expect(log).toBe('SeaBIOS\nMKWORLD-A one\nsay MKWORLD-B\nMKWORLD-C\n');
    expect(markerLines(log)).toEqual(['MKWORLD-A one', 'MKWORLD-C']);
  });

  it('puts the image on a CD or on the first hard disk, never writing to it', () => {
    expect(mediumArgs('/x.iso', 'cd')).toEqual(['-boot', 'd', '-cdrom', '/x.iso']);
    expect(mediumArgs('/x.iso', 'disk')).toEqual([
      ...['-boot', 'c', '-drive', 'file=/x.iso,format=raw,if=ide,media=disk,snapshot=on'],
    ]);
  });

  it(
    'stops a guest that runs past its ceiling and reports what it printed',
    async () => {
      const error = await bootIso(world.iso, { ceilingMs: 1_500 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BootTimeoutError);
      expect((error as BootTimeoutError).reason).toBe('ceiling');
      expect((error as BootTimeoutError).message).toMatch(/still running after 1500 ms/);
      expect((error as BootTimeoutError).log).toContain('SeaBIOS');
    },
    BOOT_TEST_TIMEOUT_MS,
  );

  it(
    'stops a guest that prints nothing new, however far the ceiling is',
    async () => {
      // ISOLINUX waiting at its prompt for ever: alive, and silent after `boot:`.
      const tree = join(work, 'prompt');
      const cfg = ISOLINUX_CFG.replace('prompt 0', 'prompt 1').replace('timeout 300', 'timeout 0');
      await writeCoreTree(tree, { vmlinuz: world.kernelPath, coreGz: world.coreGzPath, isolinuxCfg: cfg });
      await writeIso(tree, join(work, 'prompt.iso'));
      const error = await bootIso(join(work, 'prompt.iso'), { stallMs: 5_000 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BootTimeoutError);
      expect((error as BootTimeoutError).reason).toBe('stalled');
      expect((error as BootTimeoutError).message).toMatch(/no new line for 5000 ms/);
      expect((error as BootTimeoutError).log).toContain('MKWORLD-ISOLINUX');
    },
    BOOT_TEST_TIMEOUT_MS,
  );
});
