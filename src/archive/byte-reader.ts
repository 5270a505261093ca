/**
 * Pull-style reads of exact byte counts from a stream. Nothing is read ahead
 * beyond what a call needs (plus the rest of the current chunk), so pulling
 * is the backpressure: an archive is never held in memory.
 */
export class ByteReader {
  readonly #source: AsyncIterator<unknown>;
  readonly #chunks: Buffer[] = [];
  #available = 0;
  #ended = false;
  #position = 0;

  constructor(source: AsyncIterable<unknown>) {
    this.#source = source[Symbol.asyncIterator]();
  }

  /** Bytes consumed so far. */
  get position(): number {
    return this.#position;
  }

  /** Exactly `n` bytes, or undefined when the stream ends first. */
  async read(n: number): Promise<Buffer | undefined> {
    if (!(await this.#fill(n))) return undefined;
    return this.#take(n);
  }

  /** Between 1 and `max` bytes, or undefined at the end of the stream. */
  async readSome(max: number): Promise<Buffer | undefined> {
    const first = (await this.#fill(1)) ? this.#chunks[0] : undefined;
    return first === undefined ? undefined : this.#take(Math.min(max, first.length));
  }

  /** Up to `n` bytes without consuming them. */
  async peek(n: number): Promise<Buffer> {
    await this.#fill(n);
    const all = this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks);
    return all.subarray(0, n);
  }

  /** Skips `n` bytes; false when the stream ends first. */
  async discard(n: number): Promise<boolean> {
    let left = n;
    while (left > 0) {
      const chunk = await this.readSome(left);
      if (chunk === undefined) return false;
      left -= chunk.length;
    }
    return true;
  }

  async atEnd(): Promise<boolean> {
    return !(await this.#fill(1));
  }

  /** The unread bytes, then the rest of the source (for handing over to a decompressor). */
  async *rest(): AsyncGenerator<Buffer> {
    while (!(await this.atEnd())) {
      const chunk = this.#chunks.shift() as Buffer;
      this.#available -= chunk.length;
      this.#position += chunk.length;
      yield chunk;
    }
  }

  /** Stops reading; a Readable source is destroyed. */
  async close(): Promise<void> {
    this.#ended = true;
    await this.#source.return?.();
  }

  async #fill(wanted: number): Promise<boolean> {
    while (this.#available < wanted && !this.#ended) {
      const next = await this.#source.next();
      if (next.done) {
        this.#ended = true;
        break;
      }
      const chunk = toBuffer(next.value);
      if (chunk.length > 0) {
        this.#chunks.push(chunk);
        this.#available += chunk.length;
      }
    }
    return this.#available >= wanted;
  }

  #take(n: number): Buffer {
    this.#available -= n;
    this.#position += n;
    const first = this.#chunks[0];
    if (first !== undefined && first.length >= n) {
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.#chunks[0] as Buffer;
      const used = Math.min(chunk.length, n - filled);
      chunk.copy(out, filled, 0, used);
      filled += used;
      if (used === chunk.length) this.#chunks.shift();
      else this.#chunks[0] = chunk.subarray(used);
    }
    return out;
  }
}

function toBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError('archive source must yield bytes');
}
