import { Duplex } from 'node:stream';
import { ArchiveError } from '../errors.js';
import { binding } from '../squashfs/binding.js';

export type Compression = 'gzip' | 'xz' | 'zstd' | 'none';

const MAGIC: readonly [Exclude<Compression, 'none'>, Buffer][] = [
  ['gzip', Buffer.from([0x1f, 0x8b])],
  ['xz', Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])],
  ['zstd', Buffer.from([0x28, 0xb5, 0x2f, 0xfd])],
];

/** The compression a stream starting with `head` uses, by its magic bytes (6 bytes suffice). */
export function sniffCompression(head: Buffer): Compression {
  for (const [format, magic] of MAGIC) {
    if (head.length >= magic.length && head.subarray(0, magic.length).equals(magic)) return format;
  }
  return 'none';
}

export interface DecompressOptions {
  /** How errors name the compressed data (default: the format). */
  readonly name?: string;
}

/** A streaming xz decompressor (concatenated streams are decoded as one, as `xz -d` does). */
export function createXzDecompressor(options: DecompressOptions = {}): Duplex {
  return new NativeDecompressor('xz', options.name ?? 'xz data');
}

/** A streaming zstd decompressor (several frames in a row are decoded as one stream). */
export function createZstdDecompressor(options: DecompressOptions = {}): Duplex {
  return new NativeDecompressor('zstd', options.name ?? 'zstd data');
}

/**
 * Compressed bytes in, decompressed bytes out, decoded by liblzma or libzstd
 * on the libuv thread pool. Each native call yields at most 128 KiB, and the
 * next call waits until the reader has taken it, so memory stays bounded
 * however well the input compresses. Truncated, corrupt or foreign input
 * fails the stream with a one-line ArchiveError naming it.
 */
class NativeDecompressor extends Duplex {
  readonly #decoder: unknown;
  readonly #name: string;
  #resume: (() => void) | undefined;
  #inflight: Promise<unknown> | undefined;

  constructor(format: 'xz' | 'zstd', name: string) {
    super();
    this.#decoder = binding().createDecoder(format);
    this.#name = name;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#feed(chunk, false).then(
      () => callback(),
      (error: unknown) => callback(this.#wrap(error)),
    );
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#feed(Buffer.alloc(0), true).then(
      () => {
        this.push(null);
        callback();
      },
      (error: unknown) => callback(this.#wrap(error)),
    );
  }

  override _read(): void {
    const resume = this.#resume;
    this.#resume = undefined;
    resume?.();
  }

  // Also runs after a normal end (autoDestroy): the decoder's buffers are freed now, not at some later
  // GC, and 'close' waits for a step in progress.
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this._read();
    const settled = () => {
      binding().closeDecoder(this.#decoder);
      callback(error);
    };
    (this.#inflight ?? Promise.resolve()).then(settled, settled);
  }

  async #feed(chunk: Buffer, finish: boolean): Promise<void> {
    let offset = 0;
    for (;;) {
      const pending = binding().decode(this.#decoder, chunk.subarray(offset), finish);
      this.#inflight = pending;
      const step = await pending;
      if (this.destroyed) return;
      offset += step.consumed;
      if (step.done) {
        if (step.output.length > 0) this.push(step.output);
        return;
      }
      if (step.output.length > 0) {
        // Wait for the reader before decoding more: what makes the memory bound.
        if (!this.push(step.output)) await new Promise<void>((resolve) => (this.#resume = resolve));
        if (this.destroyed) return;
      } else if (!finish && offset >= chunk.length) {
        // All input taken and nothing more to flush: the decoder needs the next chunk.
        return;
      }
    }
  }

  #wrap(error: unknown): Error {
    if (error instanceof ArchiveError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new ArchiveError(`${this.#name}: ${message}`, { cause: error });
  }
}
