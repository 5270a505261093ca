import { createWriteStream } from 'node:fs';
import { chmod, link, lstat, lutimes, mkdir, rename, rm, symlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { quoted } from '../config/quote.js';
import { ArchiveError, InputError } from '../errors.js';
import { temporaryName } from './atomic.js';
import type { ArchiveEntry, DirEntry, FileEntry, HardlinkEntry, SymlinkEntry } from './entry.js';
import { fileChunks } from './file-data.js';
import { ancestors, entryError, ROOT_PATH } from './safe-path.js';
import { type ArchiveSource, archiveName } from './source.js';
import { readTar } from './tar-read.js';

export interface ExtractOptions {
  /** How errors name the archive (default: the path given). */
  readonly name?: string;
}

export interface ExtractResult {
  /** Entries written (the root entry `./` is not applied to destDir). */
  readonly entries: number;
}

/**
 * Unpacks a tar(.gz) into `destDir` (created if missing) without ever
 * following a symlink: every parent component is lstat-ed and must be a real
 * directory, files and links are made under a temporary name and renamed
 * into place (a rename replaces a symlink, never writes through it). Modes
 * (setuid included) and mtimes are applied, owners are not; directory modes
 * and mtimes are applied last, deepest first. Devices and FIFOs are refused.
 */
export async function extractTar(
  archive: ArchiveSource,
  destDir: string,
  options: ExtractOptions = {},
): Promise<ExtractResult> {
  const name = archiveName(archive, options.name);
  await mkdir(destDir, { recursive: true });
  const disk = new SafeDisk(name, destDir);
  const dirs: DirEntry[] = [];
  let entries = 0;
  for await (const entry of readTar(archive, { name })) {
    if (entry.path === ROOT_PATH) continue;
    entries += 1;
    await disk.guarded(entry, () => disk.write(entry));
    if (entry.kind === 'dir') dirs.push(entry);
  }
  dirs.sort((a, b) => b.path.split('/').length - a.path.split('/').length);
  for (const dir of dirs) {
    await disk.guarded(dir, async () => {
      const path = join(destDir, dir.path);
      await chmod(path, dir.mode);
      await utimes(path, dir.mtime, dir.mtime);
    });
  }
  return { entries };
}

class SafeDisk {
  /** Directories known to be real directories (made or lstat-ed here). */
  readonly #dirs = new Set<string>();

  constructor(
    private readonly archive: string,
    private readonly root: string,
  ) {}

  async write(entry: ArchiveEntry): Promise<void> {
    await this.#parents(entry.path);
    switch (entry.kind) {
      case 'dir':
        return this.#dir(entry);
      case 'file':
        return this.#file(entry);
      case 'symlink':
        return this.#symlink(entry);
      case 'hardlink':
        return this.#hardlink(entry);
      default:
        throw entryError(this.archive, entry.path, `${entry.kind} entries cannot be extracted`);
    }
  }

  /** Runs a step, turning file system failures into one-line errors naming the entry. */
  async guarded(entry: ArchiveEntry, step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (error) {
      if (error instanceof ArchiveError || error instanceof InputError) throw error;
      // The code, not the message: the message repeats the destination path, entry name and all.
      const why = (error as NodeJS.ErrnoException).code ?? quoted(String(error));
      throw new InputError(`${this.archive}: ${quoted(entry.path)}: cannot extract: ${why}`, { cause: error });
    }
  }

  async #dir(entry: DirEntry): Promise<void> {
    const path = join(this.root, entry.path);
    const existing = await lstatOrUndefined(path);
    if (existing === undefined) await mkdir(path, 0o700);
    else if (!existing.isDirectory()) throw entryError(this.archive, entry.path, 'exists and is not a directory');
    this.#dirs.add(entry.path);
  }

  async #file(entry: FileEntry): Promise<void> {
    await this.#place(entry.path, async (temp) => {
      await pipeline(
        Readable.from(fileChunks(this.archive, entry)),
        createWriteStream(temp, { flags: 'wx', mode: 0o600 }),
      );
      await chmod(temp, entry.mode);
      await utimes(temp, entry.mtime, entry.mtime);
    });
  }

  async #symlink(entry: SymlinkEntry): Promise<void> {
    await this.#place(entry.path, async (temp) => {
      await symlink(entry.target, temp);
      await lutimes(temp, entry.mtime, entry.mtime);
    });
  }

  async #hardlink(entry: HardlinkEntry): Promise<void> {
    await this.#parents(entry.target);
    const source = join(this.root, entry.target);
    if (!(await lstatOrUndefined(source))?.isFile()) {
      throw entryError(this.archive, entry.path, `hard link target ${quoted(entry.target)} is not a file`);
    }
    await this.#place(entry.path, (temp) => link(source, temp));
  }

  /** Makes the entry under a temporary name beside it, then renames it into place. */
  async #place(path: string, make: (temp: string) => Promise<void>): Promise<void> {
    const target = join(this.root, path);
    if ((await lstatOrUndefined(target))?.isDirectory()) {
      throw entryError(this.archive, path, 'would replace a directory');
    }
    const temp = temporaryName(target);
    try {
      await make(temp);
      await rename(temp, target);
    } finally {
      // Also covers rename's no-op when both names are links to one file.
      await rm(temp, { force: true });
    }
  }

  /** Makes sure every parent of `path` is a real directory, refusing symlinks. */
  async #parents(path: string): Promise<void> {
    for (const dir of ancestors(path)) {
      if (this.#dirs.has(dir)) continue;
      const full = join(this.root, dir);
      const existing = await lstatOrUndefined(full);
      if (existing === undefined) await mkdir(full, 0o755);
      else if (existing.isSymbolicLink()) {
        throw entryError(this.archive, path, `would be written through the symlink ${quoted(dir)} in the destination`);
      } else if (!existing.isDirectory()) {
        throw entryError(this.archive, path, `${quoted(dir)} exists and is not a directory`);
      }
      this.#dirs.add(dir);
    }
  }
}

async function lstatOrUndefined(path: string) {
  try {
    return await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
