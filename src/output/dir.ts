import { lstat, mkdir, open, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { temporaryName } from '../archive/atomic.js';
import { codeOf, errorText, reasonFor } from '../errno.js';
import { InputError } from '../errors.js';

/** What is at `path`, following symlinks; a path through a non-directory holds nothing. */
async function kindOf(path: string): Promise<'dir' | 'other' | 'none'> {
  try {
    return (await stat(path)).isDirectory() ? 'dir' : 'other';
  } catch (err) {
    if (codeOf(err) === 'ENOENT' || codeOf(err) === 'ENOTDIR') return 'none';
    throw new Error(errorText(err), { cause: err });
  }
}

/** Why mkdir failed on `dir`, whose parent is a directory (it was checked or just made). */
async function mkdirFailure(dir: string, err: unknown): Promise<string> {
  // The parent exists, so ENOENT means this file system makes no directories.
  if (codeOf(err) === 'ENOENT') return `${dirname(dir)} takes no new directories`;
  if (codeOf(err) !== 'EEXIST') return errorText(err);
  // stat found nothing there, yet something is: a symlink to nothing (or a file made meanwhile).
  const link = await lstat(dir).then(
    (info) => info.isSymbolicLink(),
    () => false,
  );
  return link ? `${dir} is a symbolic link to nothing` : `${dir} is not a directory`;
}

/**
 * `mkdir -p`, one level at a time. Node's recursive mkdir loops forever,
 * burning CPU, where mkdir answers ENOENT below a directory that exists
 * (/proc, /sys); here that, a symlink to nothing on the way and every other
 * failure is an Error whose message is the reason. Returns the directories
 * it created, outermost first.
 */
export async function makeDirs(path: string): Promise<string[]> {
  const missing: string[] = [];
  for (let at = resolve(path); ; at = dirname(at)) {
    const kind = await kindOf(at);
    if (kind === 'dir') break;
    if (kind === 'other') throw new Error(at === resolve(path) ? 'not a directory' : `${at} is not a directory`);
    missing.unshift(at);
  }
  for (const [i, dir] of missing.entries()) {
    try {
      await mkdir(dir);
    } catch (err) {
      // Another process made it meanwhile.
      if (codeOf(err) === 'EEXIST' && (await kindOf(dir)) === 'dir') continue;
      await removeEmptyDirs(missing.slice(0, i));
      throw new Error(await mkdirFailure(dir, err), { cause: err });
    }
  }
  return missing;
}

/** Removes directories made by makeDirs, innermost first, stopping at one that is no longer empty. */
export async function removeEmptyDirs(dirs: readonly string[]): Promise<void> {
  for (const dir of [...dirs].reverse()) {
    try {
      await rmdir(dir);
    } catch {
      return;
    }
  }
}

/**
 * Checks, before any work, that `name` can be written into `dir`: makes
 * `dir` as needed, creates and removes a temp file there as the real write
 * will, and refuses a `name` that is a directory. Failures are InputErrors
 * naming the path and the reason. Returns what removes the directories it
 * made again, for a run that fails later.
 */
export async function prepareOutput(dir: string, name: string): Promise<() => Promise<void>> {
  const cannot = (path: string, err: unknown) =>
    new InputError(`cannot write ${path}: ${errorText(err)}`, { cause: err });
  let made: string[];
  try {
    made = await makeDirs(dir);
  } catch (err) {
    throw cannot(dir, err);
  }
  const undo = () => removeEmptyDirs(made);
  const target = join(dir, name);
  try {
    const probe = temporaryName(target);
    try {
      await (await open(probe, 'wx', 0o644)).close();
    } catch (err) {
      throw cannot(dir, err);
    }
    await rm(probe, { force: true });
    const existing = await lstat(target).catch((err: unknown) => {
      if (codeOf(err) === 'ENOENT') return undefined;
      throw cannot(target, err);
    });
    if (existing?.isDirectory()) throw new InputError(`cannot write ${target}: ${reasonFor('EISDIR')}`);
  } catch (err) {
    await undo();
    throw err;
  }
  return undo;
}
