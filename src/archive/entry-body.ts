import { Readable } from 'node:stream';
import type { ByteReader } from './byte-reader.js';
import type { FileData } from './entry.js';
import { entryError } from './safe-path.js';

const CHUNK = 64 * 1024;

export interface BodyOptions {
  readonly archive: string;
  readonly path: string;
  readonly size: number;
  /** Sees every byte of the body, read or skipped (checksums). */
  readonly onData?: (chunk: Buffer) => void;
  /** Runs after the last byte; throws to fail the body. */
  readonly onEnd?: () => void;
}

/**
 * The body of the entry a streaming reader has just yielded. Its stream can
 * be opened once and must be read before the reader moves on: when the
 * consumer asks for the next entry, whatever is left is skipped and an
 * opened, unfinished stream is destroyed.
 */
export class EntryBody {
  #remaining: number;
  #stream: Readable | undefined;
  #inflight: Promise<unknown> | undefined;
  #ended = false;
  #moved = false;
  #eofPushed = false;
  #failure: unknown;

  constructor(
    private readonly reader: ByteReader,
    private readonly options: BodyOptions,
  ) {
    this.#remaining = options.size;
  }

  data(): FileData {
    return { from: 'stream', open: () => this.#open() };
  }

  /** Skips what the consumer left unread and checks the body's end. */
  async finish(): Promise<void> {
    await this.#inflight?.catch(() => {});
    this.#moved = true;
    const stream = this.#stream;
    if (stream !== undefined && !stream.destroyed && this.#remaining > 0) stream.destroy();
    while (this.#failure === undefined && !this.#ended) {
      await this.#next().catch(() => {});
    }
    if (this.#failure !== undefined) throw this.#failure;
    if (stream !== undefined && !stream.destroyed) this.#pushEof(stream);
  }

  /** The reader stopped early: an opened, unfinished stream is destroyed (without an error nobody listens to). */
  abandon(): void {
    this.#moved = true;
    const stream = this.#stream;
    if (stream !== undefined && !stream.destroyed && !this.#eofPushed) stream.destroy();
  }

  #open(): Readable {
    const { archive, path } = this.options;
    if (this.#stream !== undefined || this.#moved) {
      throw entryError(archive, path, 'entry body can be read once, before the next entry');
    }
    const stream = new Readable({
      highWaterMark: CHUNK,
      read: () => {
        const pending = this.#next();
        this.#inflight = pending;
        pending.then(
          (chunk) => (chunk === null ? this.#pushEof(stream) : stream.push(chunk)),
          (error: unknown) => stream.destroy(error instanceof Error ? error : new Error(String(error))),
        );
      },
    });
    this.#stream = stream;
    return stream;
  }

  #pushEof(stream: Readable): void {
    if (this.#eofPushed) return;
    this.#eofPushed = true;
    stream.push(null);
  }

  /** The next chunk of the body, or null after its end. */
  async #next(): Promise<Buffer | null> {
    if (this.#failure !== undefined) throw this.#failure;
    try {
      if (this.#remaining === 0) {
        if (!this.#ended) {
          this.#ended = true;
          this.options.onEnd?.();
        }
        return null;
      }
      const chunk = await this.reader.readSome(Math.min(this.#remaining, CHUNK));
      if (chunk === undefined) throw entryError(this.options.archive, this.options.path, 'archive is truncated');
      this.#remaining -= chunk.length;
      this.options.onData?.(chunk);
      return chunk;
    } catch (error) {
      this.#failure = error;
      throw error;
    }
  }
}
