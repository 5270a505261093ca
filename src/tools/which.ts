import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { ToolMissingError } from '../errors.js';

/** The external programs mkbundle runs, and the Debian package of each. */
export const TOOLS = {
  xorriso: 'xorriso',
  advdef: 'advancecomp',
  depmod: 'kmod',
  ldconfig: 'libc-bin',
  'qemu-system-x86_64': 'qemu-system-x86',
  // The EFI boot image: GRUB's EFI binary in a FAT image made without root.
  'grub-mkimage': 'grub-common',
  mformat: 'mtools',
  mmd: 'mtools',
  mcopy: 'mtools',
} as const;
export type Tool = keyof typeof TOOLS;

const found = new Map<Tool, string | null>();

async function search(program: string, path: string): Promise<string | null> {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, program);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return null;
}

/** Looks a program up once per process; null when it is not installed. */
export async function findTool(tool: Tool): Promise<string | null> {
  if (!found.has(tool)) {
    // sbin is where depmod and ldconfig live, and it is not on every user's PATH.
    const path = `${process.env.PATH ?? ''}${delimiter}/usr/sbin${delimiter}/sbin`;
    found.set(tool, await search(tool, path));
  }
  return found.get(tool) ?? null;
}

/** The program's path, or a ToolMissingError naming its Debian package. */
export async function requireTool(tool: Tool): Promise<string> {
  const path = await findTool(tool);
  if (path === null) throw new ToolMissingError(tool, TOOLS[tool]);
  return path;
}
