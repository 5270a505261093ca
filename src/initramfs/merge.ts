import type { ArchiveEntry } from '../archive/entry.js';
import { ancestors, entryError, ROOT_PATH } from '../archive/safe-path.js';
import { readTar } from '../archive/tar-read.js';
import { quoted } from '../config/quote.js';
import { type CoreSource, coreEntries, coreInitrds } from './core-entries.js';
import { isTclocal, relativeTarget } from './links.js';
import type { OverlayIndex, OverlayTarball } from './overlay-index.js';

export interface MergeSources {
  /** The Core ISO's initramfs (gzipped cpio, maybe several archives; maybe several files, in boot order). */
  readonly core: CoreSource;
  /** In merge order: later tarballs win. */
  readonly overlays: readonly OverlayTarball[];
  readonly index: OverlayIndex;
}

/**
 * The merged initramfs as one stream of entries: the core archive in its
 * own order (with later archives' entries replacing earlier ones, see coreEntries) (device nodes, setuid bits, hard links and owners untouched,
 * minus what an overlay replaces), then each overlay's entries owned by
 * root (or as recorded, for mkbundle's own overlay). Directories that already exist keep their metadata (`/tmp` stays
 * 1777 even though an overlay carries `tmp/` as 0755), as unpacking over an
 * existing tree with `tar --no-overwrite-dir` would.
 */
export async function* mergeEntries(sources: MergeSources): AsyncGenerator<ArchiveEntry> {
  const { index } = sources;
  const kinds = new Map<string, ArchiveEntry['kind']>();
  /** Core paths an overlay turned into a non-directory: their subtrees go too. */
  const replacedDirs: string[] = [];

  const underReplaced = (path: string) => replacedDirs.some((dir) => path.startsWith(`${dir}/`));

  for await (const entry of coreEntries(sources.core)) {
    const override = index.winner.get(entry.path);
    const keepDir = entry.kind === 'dir' && (override === undefined || override.kind === 'dir');
    if ((override && !keepDir) || underReplaced(entry.path)) {
      if (entry.kind === 'dir') replacedDirs.push(entry.path);
      continue;
    }
    // GNU cpio puts a link group's data on its last name, so the target may still be ahead.
    if (entry.kind === 'hardlink' && (index.winner.has(entry.target) || underReplaced(entry.target))) {
      throw entryError(
        coreInitrds(sources.core)
          .map((part) => part.name)
          .join(' + '),
        entry.path,
        `an overlay replaces ${quoted(entry.target)}, which this name is a hard link to`,
      );
    }
    kinds.set(entry.path, entry.kind);
    yield entry.kind === 'symlink' && isTclocal(entry.path)
      ? { ...entry, target: relativeTarget(entry.path, entry.target) }
      : entry;
  }

  for (const [position, tarball] of sources.overlays.entries()) {
    for await (const entry of readTar(tarball.path, { name: tarball.name })) {
      if (entry.path === ROOT_PATH) continue;
      if (index.winner.get(entry.path)?.tarball !== position) continue;
      if (entry.kind === 'dir' && kinds.get(entry.path) === 'dir') continue;
      const through = ancestors(entry.path).find((dir) => kinds.get(dir) === 'symlink');
      if (through !== undefined) {
        throw entryError(tarball.name, entry.path, `would be written through the symlink ${quoted(through)}`);
      }
      kinds.set(entry.path, entry.kind);
      yield tarball.owners === 'recorded' ? entry : { ...entry, uid: 0, gid: 0 };
    }
  }
}
