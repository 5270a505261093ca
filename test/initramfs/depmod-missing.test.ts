import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ToolMissingError } from '../../src/errors.js';

// depmod lives in /usr/sbin, which requireTool always searches, so no PATH
// can hide it from this process: the lookup itself is replaced instead.
vi.mock('../../src/tools/which.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/tools/which.js')>();
  return {
    ...original,
    requireTool: vi.fn(async (tool: keyof typeof original.TOOLS) => {
      throw new ToolMissingError(tool, original.TOOLS[tool]);
    }),
  };
});

const { runDepmod } = await import('../../src/initramfs/depmod.js');
const { requireTool } = await import('../../src/tools/which.js');

const work = await mkdtemp(join(tmpdir(), 'mk-depmod-missing-'));
afterAll(() => rm(work, { recursive: true, force: true }));

describe('runDepmod without depmod installed', () => {
  it('fails with the ToolMissingError that names kmod', async () => {
    await mkdir(join(work, 'lib/modules/6.6.8-tinycore64'), { recursive: true });
    await expect(runDepmod(work, '6.6.8-tinycore64', { mtime: 0 })).rejects.toThrow(
      "depmod not found: install the Debian package 'kmod' (apt-get install kmod)",
    );
    expect(requireTool).toHaveBeenCalledWith('depmod');
  });
});
