/**
 * `cache prune`: drops what no run has used lately, and what the cache has
 * no use for, while builds may be running on the same cache.
 *
 * What a live run may still read is never taken. A run marks itself
 * (src/fetch/runs.ts) before it touches anything, and sets the mtime of each
 * index entry and blob it uses before it opens the blob (src/fetch/cache.ts);
 * a store gives the new blob and entry fresh mtimes too. So every file a run
 * that is live now has used or stored is at least as new as the guard: the
 * oldest live run's marker, or the start of this prune (the file system's
 * clock, read from a file written then), whichever is older. Files newer
 * than the guard are kept whatever the limits say. Each removal renames the
 * file aside first and judges the file it took (removeUnless): a run that
 * touched it before the rename shows in its mtime, one that comes after
 * finds the name empty and downloads again, and a newer file another run
 * put at the name meanwhile is never the one removed.
 */
import { rm, stat, writeFile } from 'node:fs/promises';
import { formatDuration } from '../config/duration.js';
import { STALE_TEMP_MS, sweepStale, tempName } from '../fetch/files.js';
import { liveRuns, sweepEndedRuns } from '../fetch/runs.js';
import { formatSize } from '../fetch/size-limit.js';
import { removeUnless, tmpDirOf } from './remove.js';
import {
  type BlobFile,
  type FileId,
  type IndexFile,
  idOf,
  isoTime,
  onCache,
  readBlobs,
  readIndex,
  sameFile,
  statOrGone,
} from './scan.js';
import { count, shown, when } from './text.js';

export interface PruneOptions {
  /** Drop the entries no run has used for this long (`--older-than`). */
  readonly olderThanMs?: number;
  /** Then drop the least recently used blobs, with the entries naming them, until the blobs take at most this (`--max-size`). */
  readonly maxBytes?: number;
  /** The time `olderThanMs` counts back from (default: now). What is in use is judged by the file system's clock. */
  readonly now?: number;
}

export interface PrunedEntry {
  readonly url: string;
  readonly lastUsed: string;
  readonly reason: 'older-than' | 'max-size';
}

export interface PrunedBlob {
  readonly sha256: string;
  readonly size: number;
  readonly lastUsed: string;
  /** `unreferenced`: no entry names it (any more). */
  readonly reason: 'unreferenced' | 'max-size';
}

export interface CachePruneReport {
  readonly dir: string;
  readonly olderThanMs: number | null;
  readonly maxBytes: number | null;
  /** Sorted by URL. */
  readonly removedEntries: readonly PrunedEntry[];
  /** Sorted by sha256. */
  readonly removedBlobs: readonly PrunedBlob[];
  /** What the limits would have dropped, kept because a live run may be using it. */
  readonly inUse: { readonly entries: number; readonly blobs: number };
  /** Processes using the cache when the prune began. */
  readonly activeRuns: number;
  /** Left-overs of ended runs swept from tmp/. */
  readonly tempFiles: { readonly files: number; readonly bytes: number };
  /** Blobs, index files and temp files removed. */
  readonly bytesFreed: number;
  /** What the blobs take now. */
  readonly blobBytes: number;
  /** `maxBytes` could not be met without taking what live runs may be using. */
  readonly overMaxBytes: boolean;
}

type EntryReason = PrunedEntry['reason'];

/** Prunes the cache at `dir` (see the top); with no limits, only what nothing names and ended runs' left-overs. */
export function pruneCache(dir: string, opts: PruneOptions = {}): Promise<CachePruneReport> {
  return onCache(dir, async () => {
    const settings = { dir, olderThanMs: opts.olderThanMs ?? null, maxBytes: opts.maxBytes ?? null };
    const tmp = await tmpDirOf(dir);
    if (tmp === undefined) {
      const none = { removedEntries: [], removedBlobs: [], inUse: { entries: 0, blobs: 0 }, activeRuns: 0 };
      return {
        ...settings,
        ...none,
        tempFiles: { files: 0, bytes: 0 },
        bytesFreed: 0,
        blobBytes: 0,
        overMaxBytes: false,
      };
    }
    const started = await fileSystemNow(tmp);
    const runs = await liveRuns(dir);
    const guard = Math.min(started, runs.since ?? started);
    const inUse = (mtimeMs: number) => mtimeMs >= guard;
    const index = (await readIndex(dir)).filter((file) => file.entry !== undefined);
    const plan = planPrune(index, await readBlobs(dir), opts, inUse);
    const blobs = await removeBlobs(plan.blobs, tmp, inUse);
    const entries = await removeEntries(plan.entries, blobs.kept, tmp, inUse);
    const tempFiles = await sweepStale(tmp, STALE_TEMP_MS);
    await sweepEndedRuns(dir);
    const blobBytes = plan.blobBytes - blobs.bytes;
    return {
      ...settings,
      removedEntries: entries.removed,
      removedBlobs: blobs.removed,
      inUse: { entries: plan.inUseEntries + entries.kept, blobs: plan.inUseBlobs + blobs.kept.size },
      activeRuns: runs.count,
      tempFiles,
      bytesFreed: blobs.bytes + entries.bytes + tempFiles.bytes,
      blobBytes,
      overMaxBytes: opts.maxBytes !== undefined && blobBytes > opts.maxBytes,
    };
  });
}

/** Removes the planned blobs that are still as they were read and unused since; `kept`: the sha256s of the others. */
async function removeBlobs(
  planned: Plan['blobs'],
  tmp: string,
  inUse: (mtimeMs: number) => boolean,
): Promise<{ removed: PrunedBlob[]; kept: Set<string>; bytes: number }> {
  const removed: PrunedBlob[] = [];
  const kept = new Set<string>();
  let bytes = 0;
  for (const [blob, reason] of planned) {
    const unchanged = (id: FileId) => sameFile(id, blob.id) && !inUse(id.mtimeMs);
    // Checked before the rename too, so that a blob in use is not even moved for a moment.
    const now = await statOrGone(blob.path);
    if (now === undefined) continue;
    const outcome = unchanged(idOf(now))
      ? await removeUnless(blob.path, tmp, (taken) => !unchanged(idOf(taken)))
      : 'kept';
    if (outcome === 'kept') kept.add(blob.sha256);
    if (outcome !== 'removed') continue;
    removed.push({ sha256: blob.sha256, size: blob.size, lastUsed: isoTime(blob.mtimeMs), reason });
    bytes += blob.size;
  }
  return { removed, kept, bytes };
}

/** Removes the planned entries that are still as they were read and unused since, but not those of kept blobs. */
async function removeEntries(
  planned: Plan['entries'],
  keptBlobs: ReadonlySet<string>,
  tmp: string,
  inUse: (mtimeMs: number) => boolean,
): Promise<{ removed: PrunedEntry[]; kept: number; bytes: number }> {
  const removed: PrunedEntry[] = [];
  let kept = 0;
  let bytes = 0;
  for (const [file, reason] of planned) {
    const { entry } = file;
    if (entry === undefined) continue;
    // Dropped only for its blob's sake, and the blob stays.
    if (reason === 'max-size' && !entry.absent && keptBlobs.has(entry.sha256)) continue;
    const outcome = await removeUnless(
      file.path,
      tmp,
      (taken) => !sameFile(idOf(taken), file.id) || inUse(taken.mtimeMs),
    );
    if (outcome === 'kept') kept += 1;
    if (outcome !== 'removed') continue;
    removed.push({ url: entry.url, lastUsed: isoTime(file.mtimeMs), reason });
    bytes += file.size;
  }
  removed.sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
  return { removed, kept, bytes };
}

interface Plan {
  /** In sha256 order. */
  readonly blobs: ReadonlyMap<BlobFile, PrunedBlob['reason']>;
  readonly entries: ReadonlyMap<IndexFile, EntryReason>;
  readonly inUseEntries: number;
  readonly inUseBlobs: number;
  /** What all blobs took when read. */
  readonly blobBytes: number;
}

/** What to remove, from what was read: pure. */
function planPrune(
  index: readonly IndexFile[],
  blobs: readonly BlobFile[],
  opts: PruneOptions,
  inUse: (mtimeMs: number) => boolean,
): Plan {
  const entries = new Map<IndexFile, EntryReason>();
  let inUseEntries = 0;
  if (opts.olderThanMs !== undefined) {
    const cutoff = (opts.now ?? Date.now()) - opts.olderThanMs;
    for (const file of index) {
      if (file.mtimeMs >= cutoff) continue;
      if (inUse(file.mtimeMs)) inUseEntries += 1;
      else entries.set(file, 'older-than');
    }
  }
  const refs = new Map<string, IndexFile[]>();
  for (const file of index) {
    const entry = file.entry;
    if (entry === undefined || entry.absent || entries.has(file)) continue;
    const named = refs.get(entry.sha256);
    if (named === undefined) refs.set(entry.sha256, [file]);
    else named.push(file);
  }
  const drops = new Map<BlobFile, PrunedBlob['reason']>();
  let inUseBlobs = 0;
  for (const blob of blobs) {
    if (refs.has(blob.sha256)) continue;
    if (inUse(blob.mtimeMs)) inUseBlobs += 1;
    else drops.set(blob, 'unreferenced');
  }
  const blobBytes = blobs.reduce((n, b) => n + b.size, 0);
  let left = blobs.filter((b) => !drops.has(b)).reduce((n, b) => n + b.size, 0);
  if (opts.maxBytes !== undefined && left > opts.maxBytes) {
    const recency = (blob: BlobFile) => Math.max(blob.mtimeMs, ...(refs.get(blob.sha256) ?? []).map((f) => f.mtimeMs));
    const byAge = blobs
      .filter((b) => !drops.has(b))
      .map((blob) => ({ blob, used: recency(blob) }))
      .sort((a, b) => a.used - b.used || (a.blob.sha256 < b.blob.sha256 ? -1 : 1));
    for (const { blob, used } of byAge) {
      if (left <= opts.maxBytes) break;
      if (inUse(used)) {
        inUseBlobs += 1;
        continue;
      }
      drops.set(blob, 'max-size');
      for (const file of refs.get(blob.sha256) ?? []) entries.set(file, 'max-size');
      left -= blob.size;
    }
  }
  const sorted = new Map([...drops].sort(([a], [b]) => (a.sha256 < b.sha256 ? -1 : 1)));
  return { blobs: sorted, entries, inUseEntries, inUseBlobs, blobBytes };
}

/** The mtime a file written now gets: the file system's clock and granularity, which every other run's files share. */
async function fileSystemNow(tmp: string): Promise<number> {
  const probe = tempName(tmp);
  await writeFile(probe, '');
  try {
    return (await stat(probe)).mtimeMs;
  } finally {
    await rm(probe, { force: true });
  }
}

/** `cache prune`: what went, what stayed because runs are using it, and what is left. */
export function formatPruneReport(report: CachePruneReport): string {
  const limits = [
    ...(report.olderThanMs === null ? [] : [`unused for ${formatDuration(report.olderThanMs)}`]),
    ...(report.maxBytes === null ? [] : [`down to ${formatSize(report.maxBytes)}`]),
  ];
  const lines = [
    `pruned ${shown(report.dir)}${limits.length === 0 ? '' : ` (${limits.join(', ')})`}: ` +
      `removed ${count(report.removedEntries.length, 'entry', 'entries')}, ${count(report.removedBlobs.length, 'blob')}` +
      `, ${count(report.tempFiles.files, 'left-over temp file')}; freed ${formatSize(report.bytesFreed)}, ` +
      `${formatSize(report.blobBytes)} of blobs left`,
  ];
  for (const e of report.removedEntries)
    lines.push(`  removed entry ${shown(e.url)} (last used ${when(e.lastUsed)}, ${e.reason})`);
  for (const b of report.removedBlobs) lines.push(`  removed blob ${b.sha256} (${formatSize(b.size)}, ${b.reason})`);
  const { entries, blobs } = report.inUse;
  if (entries + blobs > 0) {
    lines.push(
      `  kept ${count(entries, 'entry', 'entries')} and ${count(blobs, 'blob')} that running builds may be using`,
    );
  }
  if (report.overMaxBytes && report.maxBytes !== null) {
    lines.push(`  still over ${formatSize(report.maxBytes)}: the rest may be in use by running builds`);
  }
  return lines.join('\n');
}
