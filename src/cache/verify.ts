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
  /** Damaged blobs another run replaced (by a fresh download) while they were checked: left to it. */
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
    const report = { dir, blobsChecked: 0, bytesChecked: 0, replacedBlobs: 0, bytesFreed: 0 };
    const damagedBlobs: DamagedBlob[] = [];
    const droppedEntries: DroppedEntry[] = [];
    if (tmp === undefined) return { ...report, damagedBlobs, droppedEntries };

    const sound = new Map<string, Digests>();
    const removed = new Set<string>();
    for (const blob of await readBlobs(dir)) {
      const checked = await checkBlob(blob);
      if (checked === undefined) continue;
      report.blobsChecked += 1;
      report.bytesChecked += checked.digests.size;
      if (checked.digests.sha256 === blob.sha256) {
        sound.set(blob.sha256, checked.digests);
        continue;
      }
      // Only the file that was hashed: a repair may have renamed a good copy to the name since.
      const now = await statOrGone(blob.path);
      const outcome =
        now === undefined || sameFile(idOf(now), checked.id)
          ? await removeUnless(blob.path, tmp, (taken) => !sameFile(idOf(taken), checked.id))
          : 'kept';
      if (outcome === 'kept') report.replacedBlobs += 1;
      if (outcome !== 'removed') continue;
      removed.add(blob.sha256);
      damagedBlobs.push({ sha256: blob.sha256, size: checked.digests.size, actualSha256: checked.digests.sha256 });
      report.bytesFreed += checked.digests.size;
    }

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
      droppedEntries.push({ file: file.name, url: file.url ?? null, reason });
      report.bytesFreed += file.size;
    }
    return { ...report, damagedBlobs, droppedEntries };
  });
}

/** The blob's digests and the identity of the file hashed; undefined when it is gone. */
async function checkBlob(blob: BlobFile): Promise<{ digests: Digests; id: FileId } | undefined> {
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
    lines.push(`  left ${count(report.replacedBlobs, 'damaged blob')} another run replaced while it was checked`);
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
