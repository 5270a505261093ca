import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Transform, Writable } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';
import { gunzipError } from '../archive/source.js';

export interface FileFacts {
  readonly size: number;
  readonly sha256: string;
  readonly decompressed?: string;
}

export interface FactsOptions {
  /** Also hash the decompressed bytes of gzip data and of `.rz` files (zlib). */
  readonly decompressed?: boolean;
  /** Where to copy the bytes to, decided from the path and the first chunk; undefined: nowhere. */
  readonly spool?: (head: Buffer) => string | undefined;
}

/** A sink bytes are written to on their way, with backpressure. */
export class Tap {
  constructor(private readonly stream: Writable) {}

  /** A failed sink takes nothing more: its error reaches the caller through what it awaits at the end. */
  async write(chunk: Buffer): Promise<void> {
    if (this.stream.destroyed) return;
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }
}

/** Bytes enough to tell a file's format by its magic (gzip, squashfs, ELF). */
const HEAD_BYTES = 8;

/**
 * The same bytes, the first chunk made at least `min` bytes long (when the
 * data has as many): a reader may hand over a file's start in pieces.
 */
export async function* headFirst(chunks: AsyncIterable<Buffer | Uint8Array>, min = HEAD_BYTES): AsyncGenerator<Buffer> {
  let head: Buffer[] | undefined = [];
  let length = 0;
  for await (const piece of chunks) {
    const chunk = Buffer.isBuffer(piece) ? piece : Buffer.from(piece);
    if (head === undefined) {
      yield chunk;
      continue;
    }
    head.push(chunk);
    length += chunk.length;
    if (length >= min) {
      yield Buffer.concat(head);
      head = undefined;
    }
  }
  if (head !== undefined && length > 0) yield Buffer.concat(head);
}

function decompressor(path: string, head: Buffer): Transform | undefined {
  if (head[0] === 0x1f && head[1] === 0x8b) return createGunzip();
  return path.endsWith('.rz') ? createInflate() : undefined;
}

/**
 * Size and sha256 of a file's bytes, read once as they stream by; on
 * request also the sha256 of what they decompress to, and a copy on disk.
 */
export async function fileFacts(
  path: string,
  chunks: AsyncIterable<Buffer | Uint8Array>,
  options: FactsOptions = {},
): Promise<FileFacts> {
  const hash = createHash('sha256');
  let size = 0;
  let inflate: { stream: Transform; tap: Tap; done: Promise<string> } | undefined;
  let spool: { stream: Writable; tap: Tap; closed: Promise<unknown> } | undefined;
  try {
    for await (const chunk of headFirst(chunks)) {
      if (size === 0) {
        const stream = options.decompressed ? decompressor(path, chunk) : undefined;
        if (stream !== undefined) {
          const done = digestOf(stream, path);
          // Awaited after the last chunk; until then a failure only stops the writes.
          done.catch(() => {});
          inflate = { stream, tap: new Tap(stream), done };
        }
        const file = options.spool?.(chunk);
        if (file !== undefined) {
          const out = createWriteStream(file);
          const closed = once(out, 'close');
          closed.catch(() => {});
          spool = { stream: out, tap: new Tap(out), closed };
        }
      }
      size += chunk.length;
      hash.update(chunk);
      await inflate?.tap.write(chunk);
      await spool?.tap.write(chunk);
    }
    inflate?.stream.end();
    spool?.stream.end();
    const decompressed = await inflate?.done;
    await spool?.closed;
    return { size, sha256: hash.digest('hex'), ...(decompressed === undefined ? {} : { decompressed }) };
  } finally {
    inflate?.stream.destroy();
    spool?.stream.destroy();
  }
}

async function digestOf(stream: AsyncIterable<unknown>, path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of stream) hash.update(chunk as Buffer);
  } catch (error) {
    throw gunzipError(path, error);
  }
  return hash.digest('hex');
}
