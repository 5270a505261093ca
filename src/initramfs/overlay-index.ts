import type { EntryKind } from '../archive/entry.js';
import { ROOT_PATH } from '../archive/safe-path.js';
import { readTar } from '../archive/tar-read.js';

export interface OverlayTarball {
  /** The file to read. */
  readonly path: string;
  /** How errors and the manifest name it (`dependencies/…`). */
  readonly name: string;
  /**
   * `recorded`: the owners in the tarball are meant (mkbundle's own
   * overlay: tc's ssh files); by default every entry becomes root's, since
   * other tarballs carry whoever packed them.
   */
  readonly owners?: 'root' | 'recorded';
}

/** Which overlay provides each path (the last one: later tarballs win) and what it is there. */
export interface OverlayIndex {
  readonly winner: ReadonlyMap<string, { readonly tarball: number; readonly kind: EntryKind }>;
}

/**
 * A first pass over the overlay tarballs, reading headers only, so the
 * core archive can be streamed once with every override known up front.
 */
export async function indexOverlays(tarballs: readonly OverlayTarball[]): Promise<OverlayIndex> {
  const winner = new Map<string, { tarball: number; kind: EntryKind }>();
  for (const [tarball, { path, name }] of tarballs.entries()) {
    for await (const entry of readTar(path, { name })) {
      if (entry.path !== ROOT_PATH) winner.set(entry.path, { tarball, kind: entry.kind });
    }
  }
  return { winner };
}
