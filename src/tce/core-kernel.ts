import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { readCpio } from '../archive/cpio-read.js';
import { removeScratchDir, scratchDir } from '../cleanup.js';
import { extractFromIso } from '../iso/read.js';
import { kernelVersionFromPaths } from './kernel-version.js';

/** The kernel version of a core.gz (a file or a stream, gzipped or not): its one `lib/modules/` directory. */
export async function kernelVersionOfCoreGz(source: string | Readable, name: string): Promise<string> {
  const paths: string[] = [];
  // Only names are needed: bodies left unread are skipped by the reader.
  for await (const entry of readCpio(source, { name, allowDevices: true })) paths.push(entry.path);
  return kernelVersionFromPaths(paths, name);
}

/**
 * The kernel version of a Core ISO, read from its initramfs (`boot/core.gz`
 * or `boot/corepure64.gz`). xorriso copies the initramfs into a scratch
 * directory: it cannot write to a pipe, and a mount would need root.
 */
export async function kernelVersionOfCoreIso(iso: string, initrd: string): Promise<string> {
  const scratch = await scratchDir('kver');
  try {
    const out = join(scratch, 'initrd');
    await extractFromIso(iso, initrd, out);
    return await kernelVersionOfCoreGz(out, `${iso}:${initrd}`);
  } finally {
    await removeScratchDir(scratch);
  }
}
