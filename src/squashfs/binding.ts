import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SquashfsError } from '../errors.js';
import type { ExtractResult, SquashfsEntry, Superblock } from './types.js';

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

export interface NativeBinding {
  open(path: string): Promise<NativeImage>;
  /** Native images and readers alive right now (for leak tests). */
  liveObjects(): { images: number; readers: number };
}

const ADDON = join('native', 'build', 'Release', 'squashfs.node');

// The addon sits at the package root, above both src/ and dist/src/.
function findAddon(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, ADDON);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new SquashfsError(`squashfs addon ${ADDON} is not built: run npm install`);
    dir = parent;
  }
}

let loaded: NativeBinding | undefined;

/** Loads the addon on first use, so importing this module never fails. */
export function binding(): NativeBinding {
  loaded ??= createRequire(import.meta.url)(findAddon()) as NativeBinding;
  return loaded;
}
