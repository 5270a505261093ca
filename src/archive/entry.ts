import type { Readable } from 'node:stream';

/**
 * The typed archive entry every stage exchanges: the overlay builder makes
 * them, the tar and cpio writers serialise them, the safe readers yield them.
 * Paths are relative POSIX paths without a leading `/`, `.` or `..` segments
 * (a `dir` entry may be `.`: the archive's root directory itself).
 */
export type FileData =
  | { readonly from: 'path'; readonly path: string }
  | { readonly from: 'buffer'; readonly data: Buffer }
  | { readonly from: 'stream'; readonly open: () => Readable };

interface Common {
  readonly path: string;
  /** Permission bits including setuid/setgid/sticky (mask 0o7777). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Seconds since the epoch. */
  readonly mtime: number;
  /** Link count recorded by the archive read (cpio); writers derive one when absent. */
  readonly nlink?: number;
}

export interface FileEntry extends Common {
  readonly kind: 'file';
  readonly size: number;
  readonly data: FileData;
}
export interface DirEntry extends Common {
  readonly kind: 'dir';
}
export interface SymlinkEntry extends Common {
  readonly kind: 'symlink';
  readonly target: string;
}
/**
 * A second name for a file entry of the same archive. Usually the file comes
 * first; in cpio newc the data rides on the last name of a link group, so
 * readCpio yields the earlier names as hard links before their file entry.
 */
export interface HardlinkEntry extends Common {
  readonly kind: 'hardlink';
  readonly target: string;
}
export interface DeviceEntry extends Common {
  readonly kind: 'chardev' | 'blockdev';
  readonly major: number;
  readonly minor: number;
}
export interface SpecialEntry extends Common {
  readonly kind: 'fifo' | 'socket';
}

export type ArchiveEntry = FileEntry | DirEntry | SymlinkEntry | HardlinkEntry | DeviceEntry | SpecialEntry;
export type EntryKind = ArchiveEntry['kind'];
