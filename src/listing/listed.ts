import type { EntryKind } from '../archive/entry.js';

/** What a listing knows of one entry of an archive, image or ISO tree. */
export interface Listed {
  readonly kind: EntryKind;
  /** Permission bits including setuid/setgid/sticky. */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Seconds since the epoch, when the source records them to the second. */
  readonly mtime?: number;
  /** Regular files only. */
  readonly size?: number;
  /** Regular files only, when the listing read their bytes. */
  readonly sha256?: string;
  /** sha256 of the decompressed bytes of a gzip file or a zlib-deflated `.rz`, when asked for. */
  readonly decompressed?: string;
  /** Symbolic and hard links. */
  readonly target?: string;
  /** Character and block devices: `MAJOR,MINOR`. */
  readonly device?: string;
}

/** Entries by path (relative, no leading `/`; the root itself left out). */
export type Listing = ReadonlyMap<string, Listed>;

/** How an entry inside a listed container file is named: `OUTER:/INNER`. */
export function nestedPath(outer: string, inner: string): string {
  return `${outer}:/${inner}`;
}

/** Paths sorted bytewise, the order listings and reports use. */
export function sortedPaths(paths: Iterable<string>): string[] {
  return [...paths].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}
