import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ToolMissingError } from '../../src/errors.js';
import { buildIso } from '../../src/iso/build.js';
import { writeIso } from '../../src/iso/write.js';

// requireTool remembers what it found per process (and this file gets its own
// module graph), so xorriso must be missing from PATH before the first look-up.
const savedPath = process.env.PATH;
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mkbundle-iso-notool-'));
  process.env.PATH = join(work, 'empty-bin');
});

afterAll(async () => {
  process.env.PATH = savedPath;
  await rm(work, { recursive: true, force: true });
});

it('names the Debian package when xorriso is not installed', async () => {
  await writeFile(join(work, 'core.iso'), 'not read');
  const message = "xorriso not found: install the Debian package 'xorriso' (apt-get install xorriso)";
  await expect(
    buildIso({
      coreIso: join(work, 'core.iso'),
      boot: { kernel: 'boot/vmlinuz', initrd: 'boot/core.gz' },
      initramfs: join(work, 'core.gz'),
      version: '1.0',
      flavour: 'prod',
      outDir: join(work, 'out'),
    }),
  ).rejects.toThrow(new ToolMissingError('xorriso', 'xorriso'));
  await expect(writeIso(work, join(work, 'out', 'x.iso'), { volumeId: 'x', preparer: 'y' })).rejects.toThrow(message);
  expect(await readdir(join(work, 'out'))).toEqual([]);
});
