import { open } from 'node:fs/promises';
import { isCode } from '../errno.js';
import { type Digests, hashFile } from '../fetch/digest.js';
import { formatSize } from '../fetch/size-limit.js';
import { removeUnless, tmpDirOf } from './remove.js';
import {
  type BlobFile,
  blobPathOf,
  type FileId,
  type IndexFile,
  idOf,
  onCache,
  readBlobs,
  readIndex,
  sameFile,
  statOrGone,
} from './scan.js';
import { count, shown } from './text.js';

/** A blob whose bytes do not hash to its name, removed. */
export interface DamagedBlob {
  readonly sha256: string;
  readonly size: number;
  readonly actualSha256: string;
}

export type DropReason = 'missing-blob' | 'damaged-blob' | 'wrong-digests' | 'unreadable';

export interface DroppedEntry {
  /** The index file's name. */
  readonly file: string;
  /** The URL it records, when it records one. */
  readonly url: string | null;
  /**
   * `missing-blob`, `damaged-blob`: its blob is gone or was damaged;
   * `wrong-digests`: its size or md5 is not its (sound) blob's;
   * `unreadable`: malformed, or not for the URL its name is the hash of.
   */
  readonly reason: DropReason;
}

export interface CacheVerifyReport {
  readonly dir: string;
  readonly blobsChecked: number;
  readonly bytesChecked: number;
  /** Sorted by sha256. */
  readonly damagedBlobs: readonly DamagedBlob[];
  /**
   * Damaged blobs another run replaced with a fresh download, or touched
   * (and so will replace), while they were checked: left to that run.
   */
  readonly replacedBlobs: number;
  /** Sorted by file name. */
  readonly droppedEntries: readonly DroppedEntry[];
  readonly bytesFreed: number;
}

/**
 * Rehashes every blob; removes those whose bytes are not what their name
 * says, and drops the index entries that name a missing or removed blob,
 * disagree with their blob, or cannot be read. Safe beside running builds:
 * a file is removed only when the one taken aside is the one judged (see
 * removeUnless), so a good copy another run has just put at the name
 * stays, and an entry another run has rewritten meanwhile stays.
 */
export function verifyCache(dir: string): Promise<CacheVerifyReport> {
  return onCache(dir, async () => {
    const tmp = await tmpDirOf(dir);
    if (tmp === undefined) {
      return {
        dir,
        blobsChecked: 0,
        bytesChecked: 0,
        damagedBlobs: [],
        replacedBlobs: 0,
        droppedEntries: [],
        bytesFreed: 0,
      };
    }
    const blobs = await checkBlobs(dir, tmp);
    const entries = await dropEntries(dir, tmp, blobs.sound, new Set(blobs.damaged.map((b) => b.sha256)));
    return {
      dir,
      blobsChecked: blobs.checked,
      bytesChecked: blobs.bytes,
      damagedBlobs: blobs.damaged,
      replacedBlobs: blobs.replaced,
      droppedEntries: entries.dropped,
      bytesFreed: blobs.damaged.reduce((n, b) => n + b.size, 0) + entries.bytes,
    };
  });
}

/** Rehashes every blob and removes the damaged ones (only the very file hashed). */
async function checkBlobs(dir: string, tmp: string) {
  const sound = new Map<string, Digests>();
  const damaged: DamagedBlob[] = [];
  let checked = 0;
  let bytes = 0;
  let replaced = 0;
  for (const blob of await readBlobs(dir)) {
    const hashed = await hashBlob(blob);
    if (hashed === undefined) continue;
    checked += 1;
    bytes += hashed.digests.size;
    if (hashed.digests.sha256 === blob.sha256) {
      sound.set(blob.sha256, hashed.digests);
      continue;
    }
    // A repair may have renamed a good copy to the name since (or a run touched it, and will repair it).
    const same = (id: FileId) => sameFile(id, hashed.id);
    const now = await statOrGone(blob.path);
    if (now === undefined) continue;
    const outcome = same(idOf(now)) ? await removeUnless(blob.path, tmp, (taken) => !same(idOf(taken))) : 'kept';
    if (outcome === 'kept') replaced += 1;
    if (outcome !== 'removed') continue;
    damaged.push({ sha256: blob.sha256, size: hashed.digests.size, actualSha256: hashed.digests.sha256 });
  }
  return { sound, damaged, checked, bytes, replaced };
}

/** Drops the entries that name a missing or removed blob, disagree with theirs, or cannot be read. */
async function dropEntries(
  dir: string,
  tmp: string,
  sound: ReadonlyMap<string, Digests>,
  removed: ReadonlySet<string>,
): Promise<{ dropped: DroppedEntry[]; bytes: number }> {
  const dropped: DroppedEntry[] = [];
  let bytes = 0;
  const blobPath = (sha256: string) => blobPathOf(dir, sha256);
  for (const file of await readIndex(dir)) {
    const reason = await faultOf(file, sound, removed, blobPath);
    if (reason === undefined) continue;
    const outcome = await removeUnless(file.path, tmp, async (taken) => {
      // Rewritten since it was read: another run's newer entry.
      if (!sameFile(idOf(taken), file.id)) return true;
      // Its blob is there again: another run's repair made the entry good.
      const blob = file.entry !== undefined && !file.entry.absent ? file.entry.sha256 : undefined;
      return blob !== undefined && reason !== 'wrong-digests' && (await statOrGone(blobPath(blob))) !== undefined;
    });
    if (outcome !== 'removed') continue;
    dropped.push({ file: file.name, url: file.url ?? null, reason });
    bytes += file.size;
  }
  return { dropped, bytes };
}

/** The blob's digests and the identity of the file hashed; undefined when it is gone. */
async function hashBlob(blob: BlobFile): Promise<{ digests: Digests; id: FileId } | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(blob.path, 'r');
  } catch (err) {
    if (isCode(err, 'ENOENT')) return undefined;
    throw err;
  }
  try {
    const info = await handle.stat();
    return info.isFile() ? { digests: await hashFile(handle), id: idOf(info) } : undefined;
  } finally {
    await handle.close();
  }
}

/** Why an index entry is to be dropped, if it is. */
async function faultOf(
  file: IndexFile,
  sound: ReadonlyMap<string, Digests>,
  removed: ReadonlySet<string>,
  blobPath: (sha256: string) => string,
): Promise<DropReason | undefined> {
  const { entry } = file;
  if (entry === undefined) return 'unreadable';
  if (entry.absent) return undefined;
  const digests = sound.get(entry.sha256);
  if (digests !== undefined)
    return digests.size === entry.size && digests.md5 === entry.md5 ? undefined : 'wrong-digests';
  if (removed.has(entry.sha256)) return 'damaged-blob';
  // Not hashed above: stored since, by another run, or missing.
  return (await statOrGone(blobPath(entry.sha256))) === undefined ? 'missing-blob' : undefined;
}

/** `cache verify`: what was checked, then each removal. */
export function formatVerifyReport(report: CacheVerifyReport): string {
  const damaged = report.damagedBlobs.length;
  const lines = [
    `checked ${count(report.blobsChecked, 'blob')} (${formatSize(report.bytesChecked)}) in ${shown(report.dir)}: ` +
      (damaged === 0 ? 'all sound' : `${damaged} damaged, removed`),
  ];
  for (const b of report.damagedBlobs) {
    lines.push(`  removed blob ${b.sha256} (${formatSize(b.size)}): its bytes hash to ${b.actualSha256}`);
  }
  if (report.replacedBlobs > 0) {
    lines.push(`  left ${count(report.replacedBlobs, 'damaged blob')} another run took up while it was checked`);
  }
  const because: Record<DropReason, string> = {
    'missing-blob': 'its blob is missing',
    'damaged-blob': 'its blob was damaged',
    'wrong-digests': 'its size or md5 is not its blob’s',
    unreadable: 'unreadable',
  };
  for (const e of report.droppedEntries) {
    lines.push(`  dropped index entry ${e.url === null ? e.file : shown(e.url)}: ${because[e.reason]}`);
  }
  lines.push(`freed ${formatSize(report.bytesFreed)}`);
  return lines.join('\n');
}
