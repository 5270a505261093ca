import type { FileEntry } from '../archive/entry.js';
import { fileChunks } from '../archive/file-data.js';

/** Metadata files are small: anything larger than this is not read. */
export const TEXT_LIMIT = 64 * 1024 * 1024;

/** The bytes of a file entry, or undefined when it is larger than `limit` (its body is then left unread). */
export async function entryBytes(archive: string, entry: FileEntry, limit = TEXT_LIMIT): Promise<Buffer | undefined> {
  if (entry.size > limit) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of fileChunks(archive, entry)) chunks.push(chunk);
  return Buffer.concat(chunks);
}
