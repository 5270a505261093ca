import type { ArchiveEntry, EntryKind } from '../archive/entry.js';
import { listingOrder } from '../listing/listed.js';
import type { TreeEntry } from './types.js';

/** What summariseTree needs of each entry. */
export interface TreeInput {
  readonly path: string;
  readonly kind: EntryKind;
  /** A file's bytes (others: 0 or absent). */
  readonly size?: number;
  readonly target?: string;
}

/** What summariseTree keeps of an archive entry (not its data). */
export function treeInput(entry: ArchiveEntry): TreeInput {
  const { path, kind } = entry;
  if (entry.kind === 'file') return { path, kind, size: entry.size };
  return entry.kind === 'symlink' || entry.kind === 'hardlink' ? { path, kind, target: entry.target } : { path, kind };
}

type Mutable = { -readonly [K in keyof TreeEntry]: TreeEntry[K] };

/**
 * The entries `depth` levels deep or less, in tree order; each directory
 * shown carries the bytes of all files below it and how many entries are
 * below it, so what is cut off still counts. Directories an archive leaves
 * implicit are shown too. Pure.
 */
export function summariseTree(entries: Iterable<TreeInput>, depth: number): TreeEntry[] {
  const shown = new Map<string, Mutable>();
  const dir = (path: string): Mutable => {
    const known = shown.get(path);
    if (known !== undefined) return known;
    const node: Mutable = { path, type: 'dir', size: 0, entries: 0 };
    shown.set(path, node);
    return node;
  };
  for (const entry of entries) {
    const segments = entry.path.split('/');
    const bytes = entry.kind === 'file' ? (entry.size ?? 0) : 0;
    for (let level = 1; level < segments.length && level <= depth; level++) {
      const node = dir(segments.slice(0, level).join('/'));
      node.size += bytes;
      node.entries = (node.entries ?? 0) + 1;
    }
    if (segments.length > depth) continue;
    if (entry.kind === 'dir') {
      dir(entry.path);
      continue;
    }
    shown.set(entry.path, {
      path: entry.path,
      type: entry.kind,
      size: bytes,
      ...(entry.target === undefined ? {} : { target: entry.target }),
    });
  }
  return [...shown.values()].sort((a, b) => listingOrder(a.path, b.path));
}
