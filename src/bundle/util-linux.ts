import { join } from 'node:path';
import type { ArchiveEntry } from '../archive/entry.js';
import { walkTree } from '../overlay/entries.js';
import { SquashfsImage } from '../squashfs/index.js';

/**
 * Takes the listed paths (sfdisk, lscpu) out of util-linux.tcz with their
 * modes, as the seed's `unsquashfs -f -d tmp-build-dir … PATHS` did.
 */
export async function utilLinuxEntries(
  tcz: string,
  paths: readonly string[],
  staging: string,
): Promise<ArchiveEntry[]> {
  const dest = join(staging, 'util-linux');
  const image = await SquashfsImage.open(tcz);
  try {
    await image.extract(dest, { paths: [...paths] });
  } finally {
    await image.close();
  }
  // Parent directories come from the overlay, not from the extension image.
  return (await walkTree(dest, '')).filter((entry) => entry.kind !== 'dir');
}
