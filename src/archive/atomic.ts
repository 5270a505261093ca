import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import type { Duplex, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { removeOnInterrupt } from '../cleanup.js';
import { errorText } from '../errno.js';
import { InputError } from '../errors.js';

/** A temporary name next to `path`, so that the final rename stays on one filesystem. */
export function temporaryName(path: string): string {
  return `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
}

/** fsync of a file or directory: it works on the inode, so any descriptor flushes what was written through another. */
export async function syncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const cannotWrite = (dest: string, error: unknown) =>
  new InputError(`cannot write ${dest}: ${errorText(error)}`, { cause: error });

/**
 * Writes a stream (through optional transforms) to `temp` and syncs it, for
 * the caller to rename to `dest`; `temp` is removed on failure. Failures of
 * the destination itself (full, read-only, a directory in the way) are
 * InputErrors naming `dest`; the source's own errors pass unchanged.
 */
export async function writeSynced(
  temp: string,
  dest: string,
  source: Readable,
  transforms: Duplex[] = [],
): Promise<void> {
  const sink = createWriteStream(temp, { flags: 'wx', mode: 0o644 });
  const streams: (Readable | Duplex | Writable)[] = [source, ...transforms, sink];
  // pipeline() passes the first error on to every stream: listening first tells which one it started in.
  let origin: Readable | Duplex | Writable | undefined;
  for (const stream of streams) stream.once('error', () => (origin ??= stream));
  try {
    await pipeline(streams).catch(async (error: unknown) => {
      // pipeline() can settle before a sink still opening has created the file: removing it waits for that.
      if (!sink.closed) await new Promise<void>((resolve) => sink.once('close', () => resolve()));
      throw origin === sink ? cannotWrite(dest, error) : error;
    });
    try {
      await syncPath(temp);
    } catch (error) {
      throw cannotWrite(dest, error);
    }
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Writes a stream (through optional transforms) to a temporary name, syncs
 * it and renames it over `dest`: nothing half-written is ever left under the
 * final name, and what was there stays as it was when anything fails.
 */
export async function writeFileAtomically(dest: string, source: Readable, transforms: Duplex[] = []): Promise<void> {
  const temp = temporaryName(dest);
  const untrack = removeOnInterrupt(temp);
  try {
    await writeSynced(temp, dest, source, transforms);
    await rename(temp, dest).catch(async (error: unknown) => {
      await rm(temp, { force: true });
      throw cannotWrite(dest, error);
    });
  } finally {
    untrack();
  }
}
