import { mkdir } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { SquashfsError } from '../errors.js';
import { binding, type NativeImage, nativeMessage } from './binding.js';
import { normaliseImagePath } from './paths.js';
import { PieceStream } from './read-stream.js';
import type { ExtractOptions, ExtractResult, ListOptions, SquashfsEntry, Superblock } from './types.js';

function asSquashfsError(image: string, error: unknown): SquashfsError {
  if (error instanceof SquashfsError) return error;
  return new SquashfsError(`${image}: ${nativeMessage(error)}`, { cause: error });
}

/**
 * A squashfs image opened read-only. Decoding and file-system work run on
 * the libuv thread pool; calls may overlap freely (each borrows its own
 * native reader). After close() every call rejects.
 */
export class SquashfsImage {
  readonly path: string;
  readonly superblock: Superblock;
  #native: NativeImage | undefined;
  #closing: Promise<void> | undefined;
  readonly #pending = new Set<Promise<unknown>>();

  private constructor(path: string, native: NativeImage) {
    this.path = path;
    this.#native = native;
    this.superblock = native.superblock();
  }

  static async open(path: string): Promise<SquashfsImage> {
    try {
      return new SquashfsImage(path, await binding().open(path));
    } catch (error) {
      throw asSquashfsError(path, error);
    }
  }

  /**
   * `dir` (default the root) and everything below it, sorted by path; with
   * `recursive: false`, `dir` and its direct entries only. Symlinks are
   * reported, never followed.
   */
  list(dir = '', options: ListOptions = {}): Promise<SquashfsEntry[]> {
    return this.#run((native) => native.list(normaliseImagePath(dir), options.recursive ?? true));
  }

  /** The entry at `path` itself (like lstat: a symlink is not followed). */
  stat(path: string): Promise<SquashfsEntry> {
    return this.#run((native) => native.stat(normaliseImagePath(path)));
  }

  /** The whole content of the regular file at `path`. */
  readFile(path: string): Promise<Buffer> {
    return this.#run((native) => native.readFile(normaliseImagePath(path)));
  }

  /** The regular file at `path` as a stream, decoded as it is consumed. */
  createReadStream(path: string): Readable {
    return new PieceStream({
      open: () => this.#run((native) => native.openFile(normaliseImagePath(path))),
      read: (file, first, count) => this.#run((native) => native.readPieces(file.handle, first, count)),
    });
  }

  /**
   * Writes the image (or `paths` with their parent directories) below `dest`,
   * creating `dest` if needed; `dest` itself is left as it is. Existing
   * entries are replaced through a temporary name, never followed: a symlink
   * where a directory must go is refused. Owners are set from the image only
   * when running as root, like tar and unsquashfs. Special files are refused
   * (before anything is written) unless `allowDevices`. Extended attributes
   * are not extracted.
   */
  async extract(dest: string, options: ExtractOptions = {}): Promise<ExtractResult> {
    return this.#run(async (native) => {
      const paths = options.paths?.map(normaliseImagePath) ?? null;
      try {
        await mkdir(dest, { recursive: true });
      } catch (error) {
        throw new Error(`cannot create destination ${dest}: ${(error as Error).message}`, { cause: error });
      }
      return native.extract(dest, paths, options.allowDevices ?? false, options.threads ?? 0);
    });
  }

  /** Waits for calls in flight, then releases the native image. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= Promise.allSettled(this.#pending).then(() => {
      this.#native?.close();
      this.#native = undefined;
    });
    return this.#closing;
  }

  #run<T>(operation: (native: NativeImage) => Promise<T>): Promise<T> {
    const native = this.#native;
    if (native === undefined || this.#closing !== undefined) {
      return Promise.reject(new SquashfsError(`${this.path}: image is closed`));
    }
    const pending = (async () => {
      try {
        return await operation(native);
      } catch (error) {
        throw asSquashfsError(this.path, error);
      }
    })();
    this.#pending.add(pending);
    const forget = () => this.#pending.delete(pending);
    pending.then(forget, forget);
    return pending;
  }
}
