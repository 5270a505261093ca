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

/** Segment by segment, bytewise: a directory right before what it holds. */
function treeOrder(a: string, b: string): number {
  const [x, y] = [a.split('/'), b.split('/')];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const order = Buffer.compare(Buffer.from(x[i] ?? ''), Buffer.from(y[i] ?? ''));
    if (order !== 0) return order;
  }
  return x.length - y.length;
}

/** The order reports list paths in: tree order, a container's entries right after the container. */
export function listingOrder(a: string, b: string): number {
  const [x, y] = [a.split(':/'), b.split(':/')];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const order = treeOrder(x[i] ?? '', y[i] ?? '');
    if (order !== 0) return order;
  }
  return x.length - y.length;
}

/** The containers a nested path is inside, outermost first (`a.tar.gz:/b.tcz:/c` → `a.tar.gz`, `a.tar.gz:/b.tcz`). */
export function containersOf(path: string): string[] {
  const parts = path.split(':/');
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join(':/'));
}
