import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';

/** sha256 of a file's content, streamed. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A short hex key over ordered parts (strings or buffers). */
export function hashParts(parts: readonly (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    // Length-prefix each part so that ['ab','c'] and ['a','bc'] differ.
    const buf = typeof part === 'string' ? Buffer.from(part) : part;
    hash.update(`${buf.length}:`);
    hash.update(buf);
  }
  return hash.digest('hex').slice(0, 24);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Returns `dir`, filling it first with `fill` when it does not exist yet.
 * Fills a private sibling and renames it into place, so a crashed or
 * concurrent build never leaves a half-written cache entry behind.
 */
export async function cachedDir(dir: string, fill: (tmp: string) => Promise<void>): Promise<string> {
  if (await exists(dir)) return dir;
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(tmp, { recursive: true });
  try {
    await fill(tmp);
    await rename(tmp, dir);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    // Another process finished the same entry first: theirs is as good as ours.
    if (await exists(dir)) return dir;
    throw error;
  }
  return dir;
}
