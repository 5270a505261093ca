import { Readable } from 'node:stream';
import type { NativeFile } from './binding.js';

/** How a stream reaches its image; both calls go through the image's bookkeeping. */
export interface PieceSource {
  open(): Promise<NativeFile>;
  read(file: NativeFile, first: number, count: number): Promise<Buffer>;
}

/**
 * Streams a file from the image. Each _read decodes at most
 * max(one block, highWaterMark) on the thread pool and pushes it, so memory
 * stays bounded by the stream's buffer however large the file is.
 */
export class PieceStream extends Readable {
  readonly #source: PieceSource;
  #file: NativeFile | undefined;
  #next = 0;

  constructor(source: PieceSource) {
    super();
    this.#source = source;
  }

  override _construct(callback: (error?: Error | null) => void): void {
    this.#source.open().then(
      (file) => {
        this.#file = file;
        callback();
      },
      (error: Error) => callback(error),
    );
  }

  override _read(): void {
    const file = this.#file;
    if (file === undefined || this.#next >= file.pieces) {
      this.push(null);
      return;
    }
    const count = Math.max(1, Math.floor(this.readableHighWaterMark / file.blockSize));
    const first = this.#next;
    this.#next += count;
    this.#source.read(file, first, count).then(
      (chunk) => {
        if (this.destroyed) return;
        this.push(chunk);
        if (this.#next >= file.pieces) this.push(null);
      },
      (error: Error) => this.destroy(error),
    );
  }
}
