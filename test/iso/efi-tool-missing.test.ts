import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ToolMissingError } from '../../src/errors.js';

// Which tools are "not installed" changes per test; the rest are found as usual.
const missing = new Set<string>();
vi.mock('../../src/tools/which.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/tools/which.js')>();
  return {
    ...original,
    requireTool: vi.fn(async (tool: keyof typeof original.TOOLS) => {
      if (missing.has(tool)) throw new ToolMissingError(tool, original.TOOLS[tool]);
      return original.requireTool(tool);
    }),
  };
});

const { prepareEfiBoot, requireEfiTools } = await import('../../src/iso/efi.js');
const { ISOLINUX_CFG } = await import('../world/bootable/isolinux.js');

const work = await mkdtemp(join(tmpdir(), 'mk-efi-missing-'));
afterAll(() => rm(work, { recursive: true, force: true }));
beforeEach(() => missing.clear());

const efi = async (name: string, grubModulesDir?: string) => {
  const dir = join(work, name);
  await mkdir(join(dir, 'scratch'), { recursive: true });
  return prepareEfiBoot({
    tree: join(dir, 'tree'),
    boot: { kernel: 'boot/vmlinuz', initrd: 'boot/core.gz' },
    isolinuxCfg: ISOLINUX_CFG,
    cmdline: 'console=ttyS0',
    bootId: '0123456789abcdef',
    sourceDateEpoch: 0,
    workDir: join(dir, 'scratch'),
    grubModulesDir,
  });
};

describe('the EFI boot image without its tools', () => {
  it("names grub-efi-amd64-bin when GRUB's EFI modules are not there", async () => {
    await expect(efi('modules', join(work, 'no-grub'))).rejects.toThrow(
      new ToolMissingError(join(work, 'no-grub'), 'grub-efi-amd64-bin'),
    );
  });

  it('names grub-common without grub-mkimage', async () => {
    missing.add('grub-mkimage');
    await expect(efi('mkimage')).rejects.toThrow(
      "grub-mkimage not found: install the Debian package 'grub-common' (apt-get install grub-common)",
    );
  });

  it.each(['mformat', 'mmd', 'mcopy'])('names mtools without %s', async (tool) => {
    missing.add(tool);
    await expect(efi(tool)).rejects.toThrow(new ToolMissingError(tool, 'mtools'));
  });

  it('requireEfiTools finds the same before any work', async () => {
    await expect(requireEfiTools(join(work, 'no-grub'))).rejects.toThrow(ToolMissingError);
    missing.add('mcopy');
    await expect(requireEfiTools()).rejects.toThrow(new ToolMissingError('mcopy', 'mtools'));
    missing.clear();
    await expect(requireEfiTools()).resolves.toBeUndefined();
  });
});
