import { join } from 'node:path';
import type { ArchiveEntry } from '../archive/entry.js';
import { extractTar } from '../archive/tar-extract.js';
import { walkTree } from '../overlay/entries.js';

/**
 * Unpacks the MCollective tarball under `usr/local/tce.installed/` (the
 * tarball carries its own top directory, e.g. `mcollective-2.0.0/`).
 * Hostile members (`..`, absolute paths, writes through links) stop the
 * build with the member named.
 */
export async function mcollectiveEntries(tarball: string, url: string, staging: string): Promise<ArchiveEntry[]> {
  const dest = join(staging, 'mcollective');
  await extractTar(tarball, dest, { name: url });
  return walkTree(dest, 'usr/local/tce.installed/');
}
