import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { chmod, lstat, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codeOf, errorText } from './errno.js';
import { InputError } from './errors.js';
import { OWNER_TAG, ownerIsGone, ownerTag } from './owner.js';

/**
 * Temporary files and directories in use right now, so that an interrupted
 * run (Ctrl-C, SIGTERM) removes them before it exits: a run that stops
 * leaves the cache and earlier outputs as they were, and no litter.
 */
const tracked = new Set<string>();

/** Tracks `path` until the returned function is called. */
export function removeOnInterrupt(path: string): () => void {
  tracked.add(path);
  return () => {
    tracked.delete(path);
  };
}

/** How long a signal handler waits for file creations already on the thread pool. */
const SETTLE_MS = 50;

/**
 * Removes everything tracked, synchronously: for signal handlers. A file the
 * thread pool was creating as the signal came appears after the first pass;
 * a second pass, a moment later, takes it too.
 */
export function removeTrackedNow(): void {
  for (const path of tracked) rmSync(path, { recursive: true, force: true });
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, SETTLE_MS);
  for (const path of tracked) rmSync(path, { recursive: true, force: true });
  tracked.clear();
}

/** `mkbundle-PREFIX-OWNER-XXXXXX`, as scratchDir names them. */
const SCRATCH = new RegExp(`^mkbundle-[a-z0-9-]+?-(${OWNER_TAG})-[A-Za-z0-9]{6}$`);

const swept = new Map<string, Promise<void>>();

/**
 * A new scratch directory (under the system's temp directory, TMPDIR,
 * unless `parent` is given), named after its owner; an InputError naming
 * the parent when it cannot be made there. The first one made in a parent
 * first sweeps the parent of the scratch directories that runs killed
 * outright (SIGKILL, which no handler sees) left behind.
 */
export async function scratchDir(prefix: string, parent?: string): Promise<string> {
  const where = parent ?? tmpdir();
  let sweep = swept.get(where);
  if (sweep === undefined) {
    sweep = sweepDeadScratch(where);
    swept.set(where, sweep);
  }
  await sweep;
  let dir: string;
  try {
    dir = await mkdtemp(join(where, `mkbundle-${prefix}-${ownerTag()}-`));
  } catch (error) {
    const hint = parent === undefined ? ' (TMPDIR)' : '';
    throw new InputError(`cannot make a scratch directory in ${where}${hint}: ${errorText(error)}`, { cause: error });
  }
  removeOnInterrupt(dir);
  return dir;
}

/**
 * Removes the scratch directories in `parent` whose owner has ended: only
 * directories (never what a link points to), only this user's, never a live
 * run's. Each is first renamed to a name of this process's, so two runs
 * sweeping at once do not remove one tree together, and a sweep killed
 * halfway is swept in turn.
 */
async function sweepDeadScratch(parent: string): Promise<void> {
  const uid = process.getuid?.();
  if (uid === undefined) return;
  // What cannot be swept now (gone already, unreadable) stays for a later run: never a reason to fail this one.
  const names = await readdir(parent).catch(() => []);
  for (const name of names) {
    const owner = SCRATCH.exec(name)?.[1];
    if (owner === undefined) continue;
    const path = join(parent, name);
    try {
      const info = await lstat(path);
      if (!info.isDirectory() || info.uid !== uid || !(await ownerIsGone(owner))) continue;
      const claimed = join(parent, `mkbundle-sweep-${ownerTag()}-${randomBytes(3).toString('hex')}`);
      await rename(path, claimed);
      await removeTree(claimed);
    } catch {}
  }
}

/** rm -rf, also of trees with read-only directories (xorriso keeps an image's modes). */
export async function removeTree(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true });
  } catch (error) {
    if (codeOf(error) !== 'EACCES') throw error;
    await makeOwnerWritable(dir);
    await rm(dir, { recursive: true, force: true });
  }
}

async function makeOwnerWritable(dir: string): Promise<void> {
  await chmod(dir, 0o700);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) await makeOwnerWritable(join(dir, entry.name));
  }
}

/** Removes a scratch directory, read-only directories in it included. */
export async function removeScratchDir(dir: string): Promise<void> {
  await removeTree(dir);
  tracked.delete(dir);
}

/** What an interrupted run says last (the `--json` document), synchronously, with the signal's message and exit status. */
export type LastWords = (message: string, exitCode: number) => void;

const lastWords = new Set<LastWords>();

/** Has `words` said when a signal ends the run, until the returned function is called. */
export function onInterrupt(words: LastWords): () => void {
  lastWords.add(words);
  return () => {
    lastWords.delete(words);
  };
}

/** Exit on SIGINT, SIGTERM and SIGHUP after removing what is tracked (status 128 + signal). */
export function exitCleanlyOnSignals(program: string): void {
  const numbers = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;
  for (const [signal, number] of Object.entries(numbers)) {
    process.once(signal, () => {
      removeTrackedNow();
      const message = `interrupted (${signal}); nothing was left half-written`;
      process.stderr.write(`\n${program}: ${message}\n`);
      for (const words of lastWords) words(message, 128 + number);
      process.exit(128 + number);
    });
  }
}
