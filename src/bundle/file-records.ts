import { createHash } from 'node:crypto';
import type { ArchiveEntry } from '../archive/entry.js';
import { sha256File } from '../hash.js';
import type { FileRecord } from './manifest.js';

/**
 * Size and SHA-256 of every file entry, by path, for bundle.json's `files`;
 * `urls` names the download a file is a copy of (the Core ISO), whose
 * `inputs` record must then agree. `known` holds the SHA-256 of files
 * hashed already (a verified download, a tarball hashed as it was written):
 * those are not read again.
 */
export async function recordFiles(
  entries: readonly ArchiveEntry[],
  urls: Readonly<Record<string, string>>,
  known: Readonly<Record<string, string>> = {},
): Promise<Record<string, FileRecord>> {
  const records: Record<string, FileRecord> = {};
  for (const entry of [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    if (entry.kind !== 'file') continue;
    const { data } = entry;
    if (data.from === 'stream') throw new TypeError(`${entry.path}: a bundle file cannot be a stream`);
    const sha256 =
      known[entry.path] ??
      (data.from === 'path' ? await sha256File(data.path) : createHash('sha256').update(data.data).digest('hex'));
    const url = urls[entry.path];
    records[entry.path] = { size: entry.size, sha256, ...(url === undefined ? {} : { url }) };
  }
  return records;
}
