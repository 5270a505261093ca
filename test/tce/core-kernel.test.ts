import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveError } from '../../src/errors.js';
import { kernelVersionOfCoreGz, kernelVersionOfCoreIso } from '../../src/tce/core-kernel.js';
import { buildTinyCoreWorld, type TinyCoreWorld } from '../world/tinycore.js';

let dir: string;
let world: TinyCoreWorld;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tce-kver-'));
  world = await buildTinyCoreWorld(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('kernel version of a Core ISO', () => {
  it('reads boot/core.gz out of the ISO', async () => {
    await expect(kernelVersionOfCoreIso(world.isoFile, world.boot.initrd)).resolves.toBe('3.0.21-tinycore');
  });

  it('reads a core.gz stream', async () => {
    await expect(kernelVersionOfCoreGz(Readable.from([world.coreGz]), 'core.gz')).resolves.toBe('3.0.21-tinycore');
  });

  it('an ISO without that initramfs is an ArchiveError naming it', async () => {
    await expect(kernelVersionOfCoreIso(world.isoFile, 'boot/corepure64.gz')).rejects.toThrow(ArchiveError);
    await expect(kernelVersionOfCoreIso(world.isoFile, 'boot/corepure64.gz')).rejects.toThrow(
      `${world.isoFile}: cannot read boot/corepure64.gz`,
    );
  });

  it('not an ISO at all', async () => {
    const bogus = join(dir, 'bogus.iso');
    await writeFile(bogus, 'not an iso');
    await expect(kernelVersionOfCoreIso(bogus, 'boot/core.gz')).rejects.toThrow(ArchiveError);
  });
});
