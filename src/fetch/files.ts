import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { copyFile, link, mkdir, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { removeOnInterrupt } from '../cleanup.js';
import { codeOf, isCode } from '../errno.js';
import { OWNER_TAG, ownerIsGone, ownerTag } from '../owner.js';

/** A fresh name in `dir`, tagged with its writer (see owner.ts); `.part` marks it as never to be trusted. */
export function tempName(dir: string): string {
  return join(dir, `${ownerTag()}-${randomBytes(8).toString('hex')}.part`);
}

const TAGGED_PART = new RegExp(`^(${OWNER_TAG})-[0-9a-f]+\\.part$`);

/** Writes `data` to `path` so that readers see the old file or the whole new one, never a torn one. */
export async function writeFileAtomic(path: string, data: string, tmpDir: string): Promise<void> {
  const tmp = tempName(tmpDir);
  // An interrupt mid-write removes it too: downloads still in flight write index entries.
  const untrack = removeOnInterrupt(tmp);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } finally {
    await rm(tmp, { force: true });
    untrack();
  }
}

/** The age at which a temp file (or run marker) is a left-over whoever wrote it: no run takes a day. */
export const STALE_TEMP_MS = 24 * 60 * 60 * 1000;

/** What a sweep removed. */
export interface Swept {
  readonly files: number;
  readonly bytes: number;
}

/**
 * Removes the left-overs of interrupted runs from `dir` (see isLeftOver);
 * the files of a live writer stay.
 */
export async function sweepStale(dir: string, maxAgeMs: number, now: number = Date.now()): Promise<Swept> {
  let files = 0;
  let bytes = 0;
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    try {
      const info = await stat(path);
      if (await isLeftOver(name, info, maxAgeMs, now)) {
        await rm(path, { force: true });
        files += 1;
        bytes += info.size;
      }
    } catch (err) {
      // Another process removed or renamed it meanwhile.
      if (!isCode(err, 'ENOENT')) throw err;
    }
  }
  return { files, bytes };
}

/**
 * A left-over of an interrupted run: this user's file whose writer has
 * ended (the name says who wrote it), or any file last modified more than
 * `maxAgeMs` ago (a writer on another machine, from an earlier boot, or of
 * another user).
 */
export async function isLeftOver(name: string, info: Stats, maxAgeMs: number, now: number): Promise<boolean> {
  if (now - info.mtimeMs > maxAgeMs) return true;
  const writer = TAGGED_PART.exec(name)?.[1];
  return writer !== undefined && info.uid === process.getuid?.() && (await ownerIsGone(writer));
}

/**
 * Records a use of `path` as its mtime (cache.ts). Best effort: another
 * user's file cannot be touched, and a file gone meanwhile is for the
 * caller's next step to find.
 */
export async function touch(path: string): Promise<void> {
  const now = new Date();
  await utimes(path, now, now).catch(() => undefined);
}

/** Link errors that mean "this filesystem pair cannot hard link", not "something is wrong". */
const NO_LINK = new Set(['EXDEV', 'EPERM', 'EMLINK', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/**
 * Puts a copy of the (immutable, read-only) blob at `dest`: a hard link when
 * the filesystem allows it, else a copy, via a temp name beside `dest` and a
 * rename. A linked `dest` shares the blob's inode, so replace it, never
 * modify it in place.
 */
export async function materialise(blobPath: string, dest: string): Promise<'link' | 'copy'> {
  const dir = dirname(dest);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(dest)}.${randomBytes(6).toString('hex')}.part`);
  try {
    let how: 'link' | 'copy' = 'link';
    try {
      await link(blobPath, tmp);
    } catch (err) {
      if (!NO_LINK.has(codeOf(err) ?? '')) throw err;
      await copyFile(blobPath, tmp);
      how = 'copy';
    }
    await rename(tmp, dest);
    return how;
  } finally {
    await rm(tmp, { force: true });
  }
}
