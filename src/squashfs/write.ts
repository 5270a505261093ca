import { rename, rm } from 'node:fs/promises';
import { temporaryName } from '../archive/atomic.js';
import { removeOnInterrupt } from '../cleanup.js';
import { SquashfsError } from '../errors.js';
import { binding, nativeMessage } from './binding.js';

interface Common {
  /** Relative, `/`-separated, no `.`, `..` or empty segments; `''` is the root directory. */
  readonly path: string;
  /** Permission bits including setuid/setgid/sticky (0 to 0o7777). */
  readonly mode: number;
}

export type SquashfsInputEntry =
  | (Common & { readonly kind: 'dir' })
  /** `source`: the host file whose bytes become the entry's content. */
  | (Common & { readonly kind: 'file'; readonly source: string })
  | (Common & { readonly kind: 'symlink'; readonly target: string });

export interface WriteSquashfsOptions {
  /** Every inode's mtime and the superblock's creation time, epoch seconds (0 to 2^32-1). */
  readonly mtime: number;
}

/**
 * Writes a squashfs 4 image the way Tiny Core's extensions are made (gzip,
 * 4 KiB blocks), owned by 0:0 throughout, without xattrs, directories sorted
 * byte-wise, one timestamp everywhere: the same entries and file contents
 * give the same bytes. Every parent directory must be listed (the root may
 * be left out: it is then 0755). The work runs on the libuv thread pool; the
 * image is written under a temporary name and renamed over `outPath`, so a
 * failure leaves nothing under the final name. Errors are one-line
 * SquashfsErrors naming the image and the entry.
 */
export async function writeSquashfs(
  outPath: string,
  entries: readonly SquashfsInputEntry[],
  options: WriteSquashfsOptions,
): Promise<void> {
  const { mtime } = options;
  if (!Number.isInteger(mtime) || mtime < 0 || mtime > 0xffffffff) {
    throw new SquashfsError(`${outPath}: mtime ${mtime} is not a whole number of seconds in 0..2^32-1`);
  }
  const temp = temporaryName(outPath);
  const untrack = removeOnInterrupt(temp);
  try {
    await binding().writeImage(temp, entries, mtime);
    await rename(temp, outPath);
  } catch (error) {
    await rm(temp, { force: true });
    if (error instanceof SquashfsError) throw error;
    throw new SquashfsError(`${outPath}: ${nativeMessage(error)}`, { cause: error });
  } finally {
    untrack();
  }
}
