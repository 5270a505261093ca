import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import type { Duplex, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { removeOnInterrupt } from '../cleanup.js';

/** A temporary name next to `path`, so that the final rename stays on one filesystem. */
export function temporaryName(path: string): string {
  return `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
}

/**
 * Writes a stream (through optional transforms) to a temporary name, syncs
 * it and renames it over `dest`: nothing half-written is ever left under the
 * final name.
 */
export async function writeFileAtomically(dest: string, source: Readable, transforms: Duplex[] = []): Promise<void> {
  const temp = temporaryName(dest);
  const untrack = removeOnInterrupt(temp);
  try {
    await pipeline([source, ...transforms, createWriteStream(temp, { flags: 'wx', mode: 0o644 })]);
    // fsync works on the inode, so a second descriptor flushes what the stream wrote.
    const handle = await open(temp, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, dest);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  } finally {
    untrack();
  }
}
