import { liveRuns } from '../fetch/runs.js';
import { formatSize } from '../fetch/size-limit.js';
import { isoTime, onCache, readBlobs, readIndex, readTemps } from './scan.js';
import { count, row, shown, when } from './text.js';

/** One index entry: what a URL last gave. */
export interface ListedEntry {
  /** As the index holds it: without credentials. */
  readonly url: string;
  /** A recorded 404 (a `.dep` known not to exist), which has no blob. */
  readonly notFound: boolean;
  readonly size: number | null;
  readonly sha256: string | null;
  readonly md5: string | null;
  /** `present`: the blob is there with the recorded size (not rehashed: that is `cache verify`). */
  readonly blob: 'present' | 'missing' | 'wrong-size' | null;
  readonly fetchedAt: string;
  /** When a run last stored or used the entry: its index file's mtime (see src/fetch/cache.ts). */
  readonly lastUsed: string;
}

/** A blob no index entry names: left by a run stopped between storing it and indexing it, or by dropped entries. */
export interface ListedBlob {
  readonly sha256: string;
  readonly size: number;
  readonly lastUsed: string;
}

/** An index file the cache cannot use (malformed, or not for the URL its name is the hash of). */
export interface ListedFile {
  readonly name: string;
  readonly size: number;
  readonly modified: string;
}

export interface ListedTemp extends ListedFile {
  /** Its run has ended (or it is over a day old): `cache prune` removes it; else a live run's download or write. */
  readonly leftOver: boolean;
}

export interface CacheListing {
  readonly dir: string;
  /** Sorted by URL. */
  readonly entries: readonly ListedEntry[];
  /** Sorted by sha256. */
  readonly orphanBlobs: readonly ListedBlob[];
  readonly unreadable: readonly ListedFile[];
  readonly tempFiles: readonly ListedTemp[];
  /** Processes using the cache right now. */
  readonly activeRuns: number;
  readonly totals: {
    readonly entries: number;
    readonly notFound: number;
    /** Every blob, orphans included, each counted once however many entries name it. */
    readonly blobs: number;
    readonly blobBytes: number;
    readonly orphanBlobs: number;
    readonly orphanBytes: number;
    readonly tempFiles: number;
    readonly tempBytes: number;
    readonly indexBytes: number;
    /** All of it: blobs, index files, temp files. */
    readonly bytes: number;
  };
}

/** What the cache at `dir` holds; an empty listing when there is no cache there yet. Reads only. */
export function listCache(dir: string): Promise<CacheListing> {
  return onCache(dir, async () => {
    const runs = await liveRuns(dir);
    const index = await readIndex(dir);
    const blobs = await readBlobs(dir);
    const temps = await readTemps(dir);
    const bySha = new Map(blobs.map((b) => [b.sha256, b]));
    const named = new Set<string>();
    const entries: ListedEntry[] = [];
    const unreadable: ListedFile[] = [];
    for (const file of index) {
      const { entry } = file;
      if (entry === undefined) {
        unreadable.push({ name: file.name, size: file.size, modified: isoTime(file.mtimeMs) });
        continue;
      }
      const base = { url: entry.url, fetchedAt: entry.fetchedAt, lastUsed: isoTime(file.mtimeMs) };
      if (entry.absent) {
        entries.push({ ...base, notFound: true, size: null, sha256: null, md5: null, blob: null });
        continue;
      }
      named.add(entry.sha256);
      const found = bySha.get(entry.sha256);
      const blob = found === undefined ? 'missing' : found.size === entry.size ? 'present' : 'wrong-size';
      entries.push({ ...base, notFound: false, size: entry.size, sha256: entry.sha256, md5: entry.md5, blob });
    }
    entries.sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
    const orphanBlobs = blobs
      .filter((b) => !named.has(b.sha256))
      .map((b) => ({ sha256: b.sha256, size: b.size, lastUsed: isoTime(b.mtimeMs) }));
    const tempFiles = temps.map((t) => ({
      name: t.name,
      size: t.size,
      modified: isoTime(t.mtimeMs),
      leftOver: t.leftOver,
    }));
    const sum = (sizes: readonly { readonly size: number }[]) => sizes.reduce((n, x) => n + x.size, 0);
    const blobBytes = sum(blobs);
    const tempBytes = sum(temps);
    const indexBytes = sum(index);
    return {
      dir,
      entries,
      orphanBlobs,
      unreadable,
      tempFiles,
      activeRuns: runs.count,
      totals: {
        entries: entries.length,
        notFound: entries.filter((e) => e.notFound).length,
        blobs: blobs.length,
        blobBytes,
        orphanBlobs: orphanBlobs.length,
        orphanBytes: sum(orphanBlobs),
        tempFiles: temps.length,
        tempBytes,
        indexBytes,
        bytes: blobBytes + tempBytes + indexBytes,
      },
    };
  });
}

const BLOB_NOTE = { present: '', missing: '  (blob missing)', 'wrong-size': '  (blob has another size)' } as const;

/** `cache ls`: a summary line, then the entries by URL, then whatever else the cache holds. */
export function formatCacheListing(listing: CacheListing): string {
  const { totals } = listing;
  const runs = listing.activeRuns === 0 ? '' : `; ${count(listing.activeRuns, 'run')} using it now`;
  if (totals.bytes === 0 && listing.entries.length === 0) return `cache ${shown(listing.dir)}: empty${runs}`;
  const notFound = totals.notFound === 0 ? '' : `, ${count(totals.notFound, 'recorded 404')}`;
  const lines = [
    `cache ${shown(listing.dir)}: ${count(totals.entries - totals.notFound, 'entry', 'entries')}${notFound}, ` +
      `${count(totals.blobs, 'blob')} (${formatSize(totals.blobBytes)}), ${formatSize(totals.bytes)} in all${runs}`,
  ];
  if (listing.entries.length > 0) lines.push(row('SIZE', 'LAST USED (UTC)', 'URL'));
  for (const e of listing.entries) {
    const note = e.blob === null ? '  (404 recorded)' : BLOB_NOTE[e.blob];
    lines.push(row(e.size === null ? '-' : formatSize(e.size), when(e.lastUsed), `${shown(e.url)}${note}`));
  }
  if (listing.orphanBlobs.length > 0) {
    lines.push(
      `blobs no entry names (prune removes them): ${count(totals.orphanBlobs, 'blob')}, ${formatSize(totals.orphanBytes)}`,
    );
    for (const b of listing.orphanBlobs) lines.push(row(formatSize(b.size), when(b.lastUsed), b.sha256));
  }
  if (listing.unreadable.length > 0) {
    lines.push(`unreadable index files (verify drops them): ${listing.unreadable.length}`);
    for (const f of listing.unreadable) lines.push(row(formatSize(f.size), when(f.modified), f.name));
  }
  if (listing.tempFiles.length > 0) {
    const left = listing.tempFiles.filter((t) => t.leftOver).length;
    const ended = left === 0 ? '' : ` (${left} left over by ended runs: prune removes them)`;
    lines.push(`temp files: ${listing.tempFiles.length}, ${formatSize(totals.tempBytes)}${ended}`);
    for (const t of listing.tempFiles) {
      lines.push(row(formatSize(t.size), when(t.modified), `${shown(t.name)}${t.leftOver ? '  (left over)' : ''}`));
    }
  }
  return lines.join('\n');
}
