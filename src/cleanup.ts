import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorText } from './errno.js';
import { InputError } from './errors.js';

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

/** Removes everything tracked, synchronously: for signal handlers. */
export function removeTrackedNow(): void {
  for (const path of tracked) rmSync(path, { recursive: true, force: true });
  tracked.clear();
}

/**
 * A new scratch directory (under the system's temp directory, TMPDIR,
 * unless `parent` is given); an InputError naming the parent when it cannot
 * be made there.
 */
export async function scratchDir(prefix: string, parent?: string): Promise<string> {
  const where = parent ?? tmpdir();
  let dir: string;
  try {
    dir = await mkdtemp(join(where, `mkbundle-${prefix}-`));
  } catch (error) {
    const hint = parent === undefined ? ' (TMPDIR)' : '';
    throw new InputError(`cannot make a scratch directory in ${where}${hint}: ${errorText(error)}`, { cause: error });
  }
  removeOnInterrupt(dir);
  return dir;
}

/** Removes a scratch directory; `remove` for trees that need more than rm (read-only directories). */
export async function removeScratchDir(
  dir: string,
  remove: (dir: string) => Promise<void> = (d) => rm(d, { recursive: true, force: true }),
): Promise<void> {
  await remove(dir);
  tracked.delete(dir);
}

/** Exit on SIGINT, SIGTERM and SIGHUP after removing what is tracked (status 128 + signal). */
export function exitCleanlyOnSignals(program: string): void {
  const numbers = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;
  for (const [signal, number] of Object.entries(numbers)) {
    process.once(signal, () => {
      removeTrackedNow();
      process.stderr.write(`\n${program}: interrupted (${signal}); nothing was left half-written\n`);
      process.exit(128 + number);
    });
  }
}
