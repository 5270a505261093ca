import { errorText } from '../errno.js';
import { AddonError, DeflateError, InputError } from '../errors.js';
import { loadAddon } from '../native/addon.js';

/** libdeflate's levels: 0 stores, 12 is its slowest and smallest. */
export const MIN_LEVEL = 0;
export const MAX_LEVEL = 12;

/** The addon's gzip functions (native/src/gzip_wrap.h). */
interface DeflateBinding {
  readonly libdeflateVersion: string;
  gzip(input: Buffer, level: number): Promise<Buffer>;
  createGzipInput(): unknown;
  appendGzipInput(input: unknown, chunk: Buffer): number;
  gzipInput(input: unknown, level: number): Promise<Buffer>;
  smallestGzipInput(input: unknown, level: number, zlibLevel: number): Promise<SmallestGzip>;
  writeGzipMember(input: unknown, fd: number, position: number): Promise<number>;
  closeGzipInput(input: unknown): void;
}

function deflate(): DeflateBinding {
  const addon = loadAddon();
  if (!addon.ok) throw new AddonError(`libdeflate: native addon${addon.path ? ` ${addon.path}` : ''}: ${addon.reason}`);
  const exports = addon.exports as Partial<DeflateBinding>;
  // An addon built by an older mkbundle has no gzip functions.
  if (typeof exports.gzip !== 'function') {
    throw new AddonError(`libdeflate: native addon ${addon.path} has no gzip (rebuild it with npm install)`);
  }
  return exports as DeflateBinding;
}

/**
 * libdeflate's version when the addon loads; otherwise the AddonError that
 * says why (its message names the addon file and the loader's reason).
 */
export function libdeflateVersion(): string {
  return deflate().libdeflateVersion;
}

/** The addon's own codes, as opposed to the errno names of a failed write. */
const INTERNAL_CODES = new Set(['ECLOSED', 'EBUSY', 'ENOMEMBER', 'EINTERNAL', 'ELEVEL']);

function checkLevel(level: number): void {
  if (!Number.isInteger(level) || level < MIN_LEVEL || level > MAX_LEVEL) {
    throw new RangeError(`gzip level must be a whole number in ${MIN_LEVEL}..${MAX_LEVEL}, got ${level}`);
  }
}

function failure(name: string, error: unknown): DeflateError {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  return new DeflateError(
    `${name}: gzip by libdeflate failed: ${message}`,
    typeof code === 'string' ? code : 'EINTERNAL',
    {
      cause: error,
    },
  );
}

/** zlib's level 9: what `gzip -9` makes. */
export const ZLIB_LEVEL = 9;

/** One gzip member of some bytes: libdeflate's, unless zlib's level 9 member is no larger. */
export interface SmallestGzip {
  readonly by: 'libdeflate' | 'zlib';
  /** The member's size. */
  readonly size: number;
  readonly libdeflateSize: number;
  /** zlib's level 9 member: the size gzip -9 gives. */
  readonly zlibSize: number;
}

export interface GzipOptions {
  /** How errors name the data (default "gzip data"). */
  readonly name?: string;
}

/**
 * One gzip member of `data` at `level` (0..12), compressed on the libuv
 * thread pool. The header has no name, mtime 0 and OS Unix, so the same bytes
 * and level give the same output on every host with the same libdeflate.
 */
export async function gzipBuffer(data: Buffer, level: number, options: GzipOptions = {}): Promise<Buffer> {
  checkLevel(level);
  const native = deflate();
  try {
    return await native.gzip(data, level);
  } catch (error) {
    throw failure(options.name ?? 'gzip data', error);
  }
}

/**
 * One gzip member of the chunks, in order, as if concatenated: each chunk is
 * copied into native memory as it comes (libdeflate needs the whole input in
 * one block), so the caller's chunks can be freed at once. The gathered
 * input is freed when compression ends or the source fails.
 */
export async function gzipChunks(
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
  level: number,
  options: GzipOptions = {},
): Promise<Buffer> {
  checkLevel(level);
  const input = new GzipInput(options);
  try {
    for await (const chunk of chunks) input.append(chunk);
    return await input.gzip(level);
  } finally {
    input.close();
  }
}

/**
 * Bytes gathered in native memory, chunk by chunk, then compressed once into
 * one gzip member: for a caller that hands each chunk elsewhere too. Call
 * close() when done, whatever happened (it frees the gathered bytes now).
 */
export class GzipInput {
  readonly #native = deflate();
  readonly #handle = this.#native.createGzipInput();
  readonly #name: string;
  #size = 0;

  constructor(options: GzipOptions = {}) {
    this.#name = options.name ?? 'gzip data';
  }

  /** Bytes gathered so far. */
  get size(): number {
    return this.#size;
  }

  /** Copies the chunk (the caller may reuse it). */
  append(chunk: Buffer): void {
    try {
      this.#size = this.#native.appendGzipInput(this.#handle, chunk);
    } catch (error) {
      throw failure(this.#name, error);
    }
  }

  /** One gzip member of everything appended, at `level` (0..12); the input takes no more chunks. */
  async gzip(level: number): Promise<Buffer> {
    checkLevel(level);
    try {
      return await this.#native.gzipInput(this.#handle, level);
    } catch (error) {
      throw failure(this.#name, error);
    }
  }

  /**
   * Makes one gzip member of everything appended: libdeflate's at `level`,
   * or zlib's at level 9 when libdeflate's is not smaller, so that it is
   * never larger than gzip -9 of the same bytes (zlib's size is counted
   * first; its bytes are made only when kept). The gathered bytes are freed;
   * the member stays in native memory for writeMember until close().
   */
  async smallest(level: number): Promise<SmallestGzip> {
    checkLevel(level);
    try {
      return await this.#native.smallestGzipInput(this.#handle, level, ZLIB_LEVEL);
    } catch (error) {
      throw failure(this.#name, error);
    }
  }

  /**
   * Writes the member smallest() made at `position` of the open file `fd`
   * (on the thread pool, without moving the file's offset); resolves its
   * size. A failed write is an InputError naming `dest`.
   */
  async writeMember(fd: number, position: number, dest: string): Promise<number> {
    try {
      return await this.#native.writeGzipMember(this.#handle, fd, position);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) && !INTERNAL_CODES.has(code)) {
        throw new InputError(`cannot write ${dest}: ${errorText(error)}`, { cause: error });
      }
      throw failure(this.#name, error);
    }
  }

  close(): void {
    this.#native.closeGzipInput(this.#handle);
  }
}
