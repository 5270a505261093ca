import { readFile, rm, writeFile } from 'node:fs/promises';
import { syncPath, temporaryName } from '../archive/atomic.js';
import { removeOnInterrupt } from '../cleanup.js';
import type { Move } from '../commit.js';
import { codeOf, errorText } from '../errno.js';
import { LockError } from '../errors.js';
import { formatLock, type Lock, parseLock } from './lock.js';

/** The lockfile `--frozen` builds from; a missing one says how to make it. */
export async function readLock(path: string): Promise<Lock> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const hint = codeOf(error) === 'ENOENT' ? '; run once without --frozen to write it' : '';
    throw new LockError(`--frozen: cannot read the lockfile ${path}: ${errorText(error)}${hint}`, { cause: error });
  }
  return parseLock(text, path);
}

/** What became of the lockfile: written anew, already the same bytes, or only read (--frozen). */
export type LockStatus = 'written' | 'unchanged' | 'frozen';

/** A lock staged beside its final name, for the bundle's rename to publish; `discard` removes what is left. */
export interface StagedLock {
  readonly move: Move | undefined;
  readonly status: Exclude<LockStatus, 'frozen'>;
  readonly discard: () => Promise<void>;
}

/**
 * The lock written to a synced temp file beside `path`, so that it appears
 * in the same rename as the bundle it describes; the same lock as on disk
 * stages nothing. A lock that cannot be written fails the run before the
 * bundle is published.
 */
export async function stageLock(path: string, lock: Lock): Promise<StagedLock> {
  const text = formatLock(lock);
  const before = await readFile(path, 'utf8').catch(() => undefined);
  if (before === text) return { move: undefined, status: 'unchanged', discard: async () => undefined };
  const temp = temporaryName(path);
  const untrack = removeOnInterrupt(temp);
  const discard = async () => {
    await rm(temp, { force: true });
    untrack();
  };
  try {
    await writeFile(temp, text, { flag: 'wx', mode: 0o644 });
    await syncPath(temp);
  } catch (error) {
    await discard();
    throw new LockError(`cannot write the lockfile ${path}: ${errorText(error)}; --lock FILE puts it elsewhere`, {
      cause: error,
    });
  }
  return { move: { from: temp, to: path }, status: 'written', discard };
}
