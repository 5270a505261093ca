import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import type { Duplex, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { removeOnInterrupt } from '../cleanup.js';
import { errorText, isSystemError } from '../errno.js';
import { InputError } from '../errors.js';

/** A temporary name next to `path`, so that the final rename stays on one filesystem. */
export function temporaryName(path: string): string {
  return `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
}

/** Errors of the file being written, as opposed to those of the data on its way to it. */
const WRITE_SYSCALLS = new Set(['open', 'write', 'fsync', 'close', 'rename']);

/** A failure to write `temp` (or rename it to `dest`) as an InputError naming `dest`; others as they are. */
function writeError(dest: string, temp: string, error: unknown): unknown {
  if (!isSystemError(error) || !(WRITE_SYSCALLS.has(error.syscall) && (error.path ?? temp) === temp)) return error;
  return new InputError(`cannot write ${dest}: ${errorText(error)}`, { cause: error });
}

/**
 * Writes a stream (through optional transforms) to `temp` and syncs it, for
 * the caller to rename to `dest` (which errors name); `temp` is removed on
 * failure.
 */
export async function writeSynced(
  temp: string,
  dest: string,
  source: Readable,
  transforms: Duplex[] = [],
): Promise<void> {
  try {
    await pipeline([source, ...transforms, createWriteStream(temp, { flags: 'wx', mode: 0o644 })]);
    // fsync works on the inode, so a second descriptor flushes what the stream wrote.
    const handle = await open(temp, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    await rm(temp, { force: true });
    throw writeError(dest, temp, error);
  }
}

/**
 * Writes a stream (through optional transforms) to a temporary name, syncs
 * it and renames it over `dest`: nothing half-written is ever left under the
 * final name. A failure to write is an InputError naming `dest`.
 */
export async function writeFileAtomically(dest: string, source: Readable, transforms: Duplex[] = []): Promise<void> {
  const temp = temporaryName(dest);
  const untrack = removeOnInterrupt(temp);
  try {
    await writeSynced(temp, dest, source, transforms);
    await rename(temp, dest).catch(async (error: unknown) => {
      await rm(temp, { force: true });
      throw writeError(dest, temp, error);
    });
  } finally {
    untrack();
  }
}
