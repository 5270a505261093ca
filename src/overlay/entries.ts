import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArchiveEntry, DirEntry, FileData } from '../archive/entry.js';

/** Everything in an overlay or bundle belongs to root, as on the Microkernel. */
const ROOT = { uid: 0, gid: 0 } as const;

export function fileEntry(path: string, data: FileData, size: number, mode: number, mtime: number): ArchiveEntry {
  return { kind: 'file', path, data, size, mode, mtime, ...ROOT };
}

export function bufferEntry(path: string, data: Buffer | string, mode: number, mtime: number): ArchiveEntry {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  return fileEntry(path, { from: 'buffer', data: bytes }, bytes.length, mode, mtime);
}

export function symlinkEntry(path: string, target: string, mtime: number): ArchiveEntry {
  return { kind: 'symlink', path, target, mode: 0o777, mtime, ...ROOT };
}

function dirEntry(path: string, mode: number, mtime: number): DirEntry {
  return { kind: 'dir', path, mode, mtime, ...ROOT };
}

/**
 * The files, directories and symlinks under `dir`, as entries below
 * `prefix`. Used for trees mkbundle staged itself (an unpacked tarball,
 * paths taken out of a squashfs image), so nothing here is hostile.
 */
export async function walkTree(dir: string, prefix: string): Promise<ArchiveEntry[]> {
  const entries: ArchiveEntry[] = [];
  const visit = async (relative: string): Promise<void> => {
    for (const name of (await readdir(join(dir, relative))).sort()) {
      const rel = relative === '' ? name : `${relative}/${name}`;
      const full = join(dir, rel);
      const info = await lstat(full);
      const path = `${prefix}${rel}`;
      const mtime = Math.floor(info.mtimeMs / 1000);
      if (info.isDirectory()) {
        entries.push(dirEntry(path, info.mode & 0o7777, mtime));
        await visit(rel);
      } else if (info.isSymbolicLink()) {
        entries.push(symlinkEntry(path, await readlink(full), mtime));
      } else if (info.isFile()) {
        entries.push(fileEntry(path, { from: 'path', path: full }, info.size, info.mode & 0o7777, mtime));
      }
    }
  };
  await visit('');
  return entries;
}

/**
 * Adds a directory entry (0755) for every parent that has none, and drops
 * earlier entries that a later one with the same path replaces.
 */
export function completeTree(entries: readonly ArchiveEntry[], mtime: number): ArchiveEntry[] {
  const byPath = new Map<string, ArchiveEntry>();
  for (const entry of entries) byPath.set(entry.path, entry);
  for (const path of [...byPath.keys()]) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (!byPath.has(parent)) byPath.set(parent, dirEntry(parent, 0o755, mtime));
    }
  }
  return [...byPath.values()];
}
