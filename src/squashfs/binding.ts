import { quoted } from '../config/quote.js';
import { SquashfsError } from '../errors.js';
import { loadAddon } from '../native/addon.js';
import type { ExtractResult, SquashfsEntry, Superblock } from './types.js';

/** A path the addon marks in a message (native/src/errors.h): its bytes in hex between U+001E and U+001F. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the markers are control characters on purpose
const MARKED_PATH = /\u001e([0-9a-f]*)\u001f/g;

/** An addon error's message, each marked path shown with quoted(). */
export function nativeMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(MARKED_PATH, (_, hex: string) => quoted(Buffer.from(hex, 'hex')));
}

/** A regular file opened for streaming, read piece by piece (a block, or the fragment tail). */
export interface NativeFile {
  readonly size: number;
  readonly pieces: number;
  readonly blockSize: number;
  readonly handle: unknown;
}

/** The addon's image object; errors it rejects with carry a `code`. */
export interface NativeImage {
  superblock(): Superblock;
  list(dir: string, recursive: boolean): Promise<SquashfsEntry[]>;
  stat(path: string): Promise<SquashfsEntry>;
  readFile(path: string): Promise<Buffer>;
  openFile(path: string): Promise<NativeFile>;
  readPieces(handle: unknown, first: number, count: number): Promise<Buffer>;
  extract(dest: string, paths: string[] | null, allowDevices: boolean, threads: number): Promise<ExtractResult>;
  close(): void;
}

/** One entry as the addon's writer takes it (see write.ts for the rules). */
export interface NativeWriteEntry {
  readonly kind: 'dir' | 'file' | 'symlink';
  readonly path: string;
  readonly mode: number;
  readonly source?: string;
  readonly target?: string;
}

/** One bounded step of a streaming decoder: at most 128 KiB of output per call. */
export interface DecodeStep {
  readonly output: Buffer;
  readonly consumed: number;
  /** The compressed data ended properly; only ever true when finishing. */
  readonly done: boolean;
}

export interface NativeBinding {
  open(path: string): Promise<NativeImage>;
  /** Creates `out` exclusively and writes the image; errors carry a `code`. */
  writeImage(
    out: string,
    entries: readonly NativeWriteEntry[],
    mtime: number,
  ): Promise<{ bytes: number; inodes: number }>;
  /** A streaming decoder's state, for decode(). */
  createDecoder(format: 'xz' | 'zstd'): unknown;
  /** Decodes from `input` (empty and `finish` once the input has ended); one call at a time per decoder. */
  decode(decoder: unknown, input: Buffer, finish: boolean): Promise<DecodeStep>;
  /** Frees a decoder's memory now (once a step in progress returns); later decode() calls reject. */
  closeDecoder(decoder: unknown): void;
  /** Native images, readers, decoders and gathered gzip inputs alive right now (for leak tests). */
  liveObjects(): { images: number; readers: number; decoders: number; gzipInputs: number };
}

/** Loads the addon on first use, so importing this module never fails. */
export function binding(): NativeBinding {
  const addon = loadAddon();
  if (!addon.ok) throw new SquashfsError(`squashfs addon${addon.path ? ` ${addon.path}` : ''}: ${addon.reason}`);
  return addon.exports as NativeBinding;
}
