import type { Stats } from 'node:fs';
import { link, lstat, mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { removeOnInterrupt } from '../cleanup.js';
import { isCode } from '../errno.js';
import { tempName } from '../fetch/files.js';

export type Removal = 'removed' | 'kept' | 'gone';

/**
 * Removes the file at `path` unless `keep`, shown the file actually taken,
 * says to keep it. Other runs replace cache files by rename and never lock,
 * so the file a check looked at may no longer be the one at the name: the
 * file is first renamed aside into `tmpDir` (nothing new opens it there,
 * and a rename of a newer file to `path` is not lost), then judged, then
 * deleted or put back with link(), which never replaces a file another
 * run has put at `path` meanwhile. 'gone': nothing was at `path`.
 * `tmpDir` must exist (see tmpDirOf).
 */
export async function removeUnless(
  path: string,
  tmpDir: string,
  keep: (taken: Stats, aside: string) => boolean | Promise<boolean>,
): Promise<Removal> {
  const aside = tempName(tmpDir);
  const untrack = removeOnInterrupt(aside);
  try {
    try {
      await rename(path, aside);
    } catch (err) {
      if (isCode(err, 'ENOENT')) return 'gone';
      throw err;
    }
    let restore = true;
    try {
      restore = await keep(await lstat(aside), aside);
    } finally {
      if (restore) await putBack(aside, path);
    }
    return restore ? 'kept' : 'removed';
  } finally {
    await rm(aside, { force: true });
    untrack();
  }
}

async function putBack(aside: string, path: string): Promise<void> {
  try {
    await link(aside, path);
  } catch (err) {
    // A newer file is there: it wins, as the newest write always does.
    if (isCode(err, 'EEXIST')) return;
    // No hard links on this file system: a rename, which would replace a file put there meanwhile (for a blob, the same bytes).
    await rename(aside, path);
  }
}

/** The cache's tmp/, made if the cache has none; undefined when there is no cache at `dir` (nothing to remove). */
export async function tmpDirOf(dir: string): Promise<string | undefined> {
  const tmp = join(dir, 'tmp');
  try {
    await mkdir(tmp);
  } catch (err) {
    if (isCode(err, 'ENOENT')) return undefined;
    if (!isCode(err, 'EEXIST')) throw err;
  }
  return tmp;
}
