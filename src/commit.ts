import { link, lstat, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { syncPath, temporaryName } from './archive/atomic.js';
import { codeOf, errorText, isCode } from './errno.js';
import { InputError } from './errors.js';

/** A complete file under a temporary name, and the name it is to have (same directory). */
export interface Move {
  readonly from: string;
  readonly to: string;
}

/** Link errors that mean "this file system cannot hard link": the backup is then a rename. */
const NO_LINK = new Set(['EXDEV', 'EPERM', 'EMLINK', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

const cannotWrite = (path: string, error: unknown) =>
  new InputError(`cannot write ${path}: ${errorText(error)}`, { cause: error });

/** The earlier file at `to` under a second name: a hard link, so `to` itself stays as it is. */
async function backUp(to: string): Promise<string | undefined> {
  let isDirectory: boolean;
  try {
    isDirectory = (await lstat(to)).isDirectory();
  } catch (error) {
    if (isCode(error, 'ENOENT')) return undefined;
    throw cannotWrite(to, error);
  }
  if (isDirectory) throw new InputError(`cannot write ${to}: is a directory`);
  const backup = temporaryName(to);
  try {
    await link(to, backup);
  } catch (error) {
    if (!NO_LINK.has(codeOf(error) ?? '')) throw cannotWrite(to, error);
    await rename(to, backup).catch((e: unknown) => Promise.reject(cannotWrite(to, e)));
  }
  return backup;
}

/**
 * Renames every `from` to its `to` so that the new files appear together or
 * not at all (an ISO and its manifest): what each `to` held is kept under a
 * hard-linked backup name until every rename has succeeded, and put back if
 * one fails. A rename over an existing name needs no free space, so a full
 * disk does not stop the rollback. Throws an InputError naming the file that could not be written.
 * Returns the `to`s that held an earlier file, now replaced.
 */
export async function renameTogether(moves: readonly Move[]): Promise<ReadonlySet<string>> {
  // Backups are not removed on an interrupt: in the middle of the renames one may be the only copy.
  const backups = new Map<string, string>();
  const done: Move[] = [];
  try {
    for (const { to } of moves) {
      const backup = await backUp(to);
      if (backup !== undefined) backups.set(to, backup);
    }
    for (const move of moves) {
      await rename(move.from, move.to).catch((e: unknown) => Promise.reject(cannotWrite(move.to, e)));
      done.push(move);
    }
  } catch (error) {
    throw await rollBack(moves, done, backups, error);
  } finally {
    for (const backup of backups.values()) await rm(backup, { force: true });
  }
  for (const dir of new Set(moves.map((m) => dirname(m.to)))) await syncPath(dir);
  return new Set(backups.keys());
}

/**
 * Puts back what each `to` held and removes new files that had none; the
 * error to throw, which names what could not be put back. A backup that is
 * only a hard link of an untouched `to` stays for the caller to remove
 * (rename between two names of one file does nothing).
 */
async function rollBack(
  moves: readonly Move[],
  done: readonly Move[],
  backups: Map<string, string>,
  error: unknown,
): Promise<unknown> {
  const stuck: string[] = [];
  for (const { to } of moves) {
    const backup = backups.get(to);
    try {
      if (backup !== undefined) await rename(backup, to);
      else if (done.some((m) => m.to === to)) await rm(to, { force: true });
    } catch (restoreError) {
      const left = backup === undefined ? 'the new file is left' : `the earlier file is ${backup}`;
      stuck.push(`${to} (${errorText(restoreError)}; ${left})`);
      backups.delete(to);
    }
  }
  if (stuck.length === 0) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new InputError(`${message}; could not restore ${stuck.join(', ')}`, { cause: error });
}
