import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { readCpio } from '../archive/cpio-read.js';
import { removeScratchDir, scratchDir } from '../cleanup.js';
import { extractFromIso } from '../iso/read.js';
import { coreIsoInitrds } from './core-initrds.js';
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
 * or `boot/corepure64.gz`, or every initrd its isolinux.cfg boots, see
 * coreIsoInitrds). xorriso copies them into a scratch directory: it cannot
 * write to a pipe, and a mount would need root.
 */
export async function kernelVersionOfCoreIso(iso: string, initrd: string): Promise<string> {
  const scratch = await scratchDir('kver');
  try {
    const initrds = await coreIsoInitrds(iso, initrd, scratch);
    const paths: string[] = [];
    for (const [index, inside] of initrds.entries()) {
      const out = join(scratch, `initrd-${index}`);
      await extractFromIso(iso, inside, out);
      for await (const entry of readCpio(out, { name: `${iso}:${inside}`, allowDevices: true })) paths.push(entry.path);
    }
    return kernelVersionFromPaths(paths, `${iso}:${initrds.join(',')}`);
  } finally {
    await removeScratchDir(scratch);
  }
}
