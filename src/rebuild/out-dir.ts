import { constants } from 'node:fs';
import { access, lstat, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { errorText, isCode } from '../errno.js';
import { InputError } from '../errors.js';
import { makeDirs } from '../output/dir.js';

/**
 * Checks, before the long work and without creating anything, that files
 * can be written into `out`: it is a directory this user may write into or,
 * when it does not exist yet, its nearest existing ancestor is (`out` is
 * made there later).
 */
export async function checkOutDir(out: string): Promise<void> {
  const full = resolve(out);
  let dir = full;
  const refuse = (reason: string, cause?: unknown) =>
    new InputError(`cannot write into ${out}: ${dir === full ? '' : `${dir}: `}${reason}`, { cause });
  for (;;) {
    let isDirectory: boolean;
    try {
      isDirectory = (await stat(dir)).isDirectory();
    } catch (error) {
      if (isCode(error, 'ENOENT') && dirname(dir) !== dir) {
        dir = dirname(dir);
        continue;
      }
      throw refuse(errorText(error), error);
    }
    if (!isDirectory) throw refuse('not a directory');
    try {
      await access(dir, constants.W_OK | constants.X_OK);
    } catch (error) {
      throw refuse(errorText(error), error);
    }
    return;
  }
}

/**
 * The output directory, made when missing (after checkOutDir, so a failure
 * here is a race, a full disk, or a file system that takes no directories,
 * such as /proc, where a recursive mkdir would spin).
 */
export async function makeOutDir(out: string): Promise<void> {
  try {
    await makeDirs(out);
  } catch (error) {
    throw new InputError(`cannot create the output directory ${out}: ${errorText(error)}`, { cause: error });
  }
}

/** Final names that a rename could not replace: a directory in the way. */
export async function checkOutputNames(paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    const isDirectory = await lstat(path).then(
      (info) => info.isDirectory(),
      () => false,
    );
    if (isDirectory) throw new InputError(`cannot write ${path}: is a directory`);
  }
}
