import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { type Compression, sniffCompression } from '../archive/decompress.js';

/** What a file holds, told by its bytes. */
export type Format = 'iso' | 'squashfs' | 'tar' | 'cpio' | 'unknown';

export interface Sniffed {
  readonly format: Format;
  /** How the tar or cpio is compressed ('none' for the others). */
  readonly compression: Compression;
}

/** ISO 9660's first volume descriptor: `CD001` at byte 1 of sector 16. */
const ISO_MAGIC_AT = 16 * 2048 + 1;
const ISO_MAGIC = Buffer.from('CD001');
const SQUASHFS_MAGIC = Buffer.from('hsqs');
const CPIO_MAGICS = [Buffer.from('070701'), Buffer.from('070702')];
const USTAR_AT = 257;
const USTAR_MAGIC = Buffer.from('ustar');

const at = (head: Buffer, offset: number, magic: Buffer) =>
  head.length >= offset + magic.length && head.subarray(offset, offset + magic.length).equals(magic);

/** The format of uncompressed bytes that start with `head`. */
function sniffHead(head: Buffer): Format {
  if (at(head, 0, SQUASHFS_MAGIC)) return 'squashfs';
  if (CPIO_MAGICS.some((magic) => at(head, 0, magic))) return 'cpio';
  if (at(head, USTAR_AT, USTAR_MAGIC)) return 'tar';
  if (at(head, ISO_MAGIC_AT, ISO_MAGIC)) return 'iso';
  return 'unknown';
}

/** The first `length` bytes of a file (fewer when it is shorter). */
export async function readHead(path: string, length: number): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await file.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

/** The first `length` decompressed bytes of a gzip file; fewer when it is shorter, none when it is not gzip data. */
async function gunzippedHead(path: string, length: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  const gunzip = createReadStream(path).pipe(createGunzip());
  try {
    for await (const chunk of gunzip) {
      chunks.push(chunk as Buffer);
      got += (chunk as Buffer).length;
      if (got >= length) break;
    }
  } catch {
    // Corrupt or cut short: what came out before still tells the format.
  } finally {
    gunzip.destroy();
  }
  return Buffer.concat(chunks).subarray(0, length);
}

/** What the file at `path` holds: a gzip member is looked into (tar and cpio are read gzipped). */
export async function sniffFile(path: string): Promise<Sniffed> {
  const head = await readHead(path, ISO_MAGIC_AT + ISO_MAGIC.length);
  const compression = sniffCompression(head);
  if (compression === 'none') return { format: sniffHead(head), compression };
  if (compression !== 'gzip') return { format: 'unknown', compression };
  const inner = sniffHead(await gunzippedHead(path, USTAR_AT + USTAR_MAGIC.length));
  return { format: inner === 'tar' || inner === 'cpio' ? inner : 'unknown', compression };
}
