import { createWriteStream } from 'node:fs';
import { mkdir, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ArchiveEntry } from '../archive/entry.js';
import { removeScratchDir, scratchDir } from '../cleanup.js';
import { quoted } from '../config/quote.js';
import { runDepmod } from './depmod.js';
import { buildLdCache } from './ldcache.js';
import { type MergeSources, mergeEntries } from './merge.js';

/** Files the merged tree gets from depmod and ldconfig, and the paths they replace or remove. */
export interface Derived {
  readonly entries: readonly ArchiveEntry[];
  /** Paths of the merged tree that `entries` replace or that ldconfig deletes (dangling links). */
  readonly drop: ReadonlySet<string>;
  readonly warnings: readonly string[];
}

const MODULE = /^(usr\/local\/)?lib\/modules\/[^/]+\/.+\.ko(\.(gz|xz|zst))?$/;
const LIBRARY = /^(usr\/(local\/)?)?lib\/[^/]+\.so(\.[0-9][0-9.]*)?$/;
const LD_CONF = /^etc\/ld\.so\.conf(\.d\/.+)?$/;

export interface Needs {
  readonly depmod: boolean;
  readonly ldconfig: boolean;
}

/** What the overlays add that the original's depmod -a and ldconfig -r would have to index. */
export function needsOf(overlayPaths: Iterable<string>): Needs {
  const paths = [...overlayPaths];
  return { depmod: paths.some((p) => MODULE.test(p)), ldconfig: paths.some((p) => LIBRARY.test(p)) };
}

function stagedFor(path: string, needs: Needs, kver: string): boolean {
  if (needs.depmod && (path.startsWith(`lib/modules/${kver}/`) || path.startsWith(`usr/local/lib/modules/${kver}/`))) {
    return true;
  }
  if (!needs.ldconfig) return false;
  if (LD_CONF.test(path)) return true;
  return /^(usr\/(local\/)?)?lib\//.test(path) && !path.includes('/modules/');
}

/** Copies the parts of the merged tree that depmod and the ld.so.cache writer read. */
async function stage(sources: MergeSources, needs: Needs, kver: string, dir: string): Promise<void> {
  for await (const entry of mergeEntries(sources)) {
    if (!stagedFor(entry.path, needs, kver)) continue;
    const target = join(dir, entry.path);
    await mkdir(dirname(target), { recursive: true });
    if (entry.kind === 'dir') await mkdir(target, { recursive: true });
    else if (entry.kind === 'symlink') await symlink(entry.target, target);
    else if (entry.kind === 'file') {
      const data = entry.data;
      const body =
        data.from === 'stream' ? data.open() : data.from === 'buffer' ? Readable.from([data.data]) : undefined;
      if (body) await pipeline(body, createWriteStream(target));
    }
  }
}

/**
 * Regenerates modules.dep and friends and etc/ld.so.cache for the merged
 * tree when the overlays add kernel modules or shared libraries, without
 * root: depmod -b on a staging copy of just the module trees, and our own
 * ld.so.cache writer instead of the chrooting ldconfig -r.
 */
export async function deriveIndexes(sources: MergeSources, kver: string, mtime: number): Promise<Derived> {
  const needs = needsOf(sources.index.winner.keys());
  if (!needs.depmod && !needs.ldconfig) return { entries: [], drop: new Set(), warnings: [] };
  const dir = await scratchDir('derived');
  try {
    await stage(sources, needs, kver, dir);
    const entries: ArchiveEntry[] = [];
    const drop = new Set<string>();
    const warnings: string[] = [];
    if (needs.depmod) {
      const depmod = await runDepmod(dir, kver, { mtime });
      entries.push(...depmod.entries);
      warnings.push(...depmod.warnings.map((line) => quoted(line)));
    }
    if (needs.ldconfig) {
      const ld = await buildLdCache(dir, { mtime });
      entries.push(ld.cache, ...ld.links);
      for (const path of ld.stale) drop.add(path);
    }
    for (const entry of entries) drop.add(entry.path);
    return { entries, drop, warnings };
  } finally {
    await removeScratchDir(dir);
  }
}
