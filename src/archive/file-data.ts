import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { quoted } from '../config/quote.js';
import { ArchiveError, InputError } from '../errors.js';
import type { FileEntry } from './entry.js';
import { entryError } from './safe-path.js';

/**
 * The bytes of a file entry, checked against its declared size: writers put
 * the size in the header first, so a body that grew or shrank would corrupt
 * the archive.
 */
export async function* fileChunks(archive: string, entry: FileEntry): AsyncGenerator<Buffer> {
  const { data } = entry;
  if (data.from === 'buffer') {
    checkSize(archive, entry, data.data.length);
    if (data.data.length > 0) yield data.data;
    return;
  }
  let seen = 0;
  try {
    for await (const chunk of open(entry)) {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      seen += bytes.length;
      if (seen > entry.size) break;
      yield bytes;
    }
  } catch (error) {
    if (error instanceof ArchiveError) throw error;
    const why = (error as NodeJS.ErrnoException).code ?? quoted(String(error));
    throw new InputError(`${archive}: ${quoted(entry.path)}: cannot read data: ${why}`, { cause: error });
  }
  checkSize(archive, entry, seen);
}

function open(entry: FileEntry): Readable {
  switch (entry.data.from) {
    case 'path':
      return createReadStream(entry.data.path);
    case 'stream':
      return entry.data.open();
    case 'buffer':
      throw new TypeError('buffers are not streamed');
  }
}

function checkSize(archive: string, entry: FileEntry, actual: number): void {
  if (actual !== entry.size) {
    const found = actual > entry.size ? 'more' : `${actual}`;
    throw entryError(archive, entry.path, `data size changed: expected ${entry.size} bytes, got ${found}`);
  }
}
