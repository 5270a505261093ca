import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, constants, copyFile, rename, rm, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { execa } from 'execa';
import { quoted } from '../config/quote.js';
import { temporaryName } from './atomic.js';

/** Header byte 9: zlib writes its build OS there (3 = Unix on Linux); fixed so output does not depend on the host. */
const OS_OFFSET = 9;
const OS_UNIX = 3;

/**
 * Deterministic gzip: zlib's own header has no file name and mtime 0; the
 * OS byte is forced to Unix. Level 1–9 (default 9).
 */
export function gzipStream(level = 9): Duplex {
  const gzip = createGzip({ level });
  let offset = 0;
  const duplex = new Duplex({
    write(chunk: Buffer, _encoding, callback) {
      if (gzip.write(chunk)) callback();
      else gzip.once('drain', () => callback());
    },
    final(callback) {
      gzip.end();
      callback();
    },
    read() {
      gzip.resume();
    },
    destroy(error, callback) {
      gzip.destroy();
      callback(error);
    },
  });
  gzip.on('data', (chunk: Buffer) => {
    if (offset <= OS_OFFSET && OS_OFFSET < offset + chunk.length) chunk[OS_OFFSET - offset] = OS_UNIX;
    offset += chunk.length;
    if (!duplex.push(chunk)) gzip.pause();
  });
  gzip.on('end', () => duplex.push(null));
  gzip.on('error', (error) => duplex.destroy(error));
  return duplex;
}

export type RecompressResult =
  | { readonly status: 'recompressed'; readonly before: number; readonly after: number }
  | { readonly status: 'kept'; readonly before: number; readonly reason: string }
  | { readonly status: 'skipped'; readonly reason: string };

export interface RecompressOptions {
  /** The advdef program: a name looked up in PATH, or a path (default `advdef`). */
  readonly advdef?: string;
}

/**
 * Recompresses a gzip file with `advdef -z4` (zopfli) on a copy and renames
 * the copy over the original only if it is smaller and decompresses to the
 * same bytes. Without advdef the file is left alone and the result says so.
 */
export async function recompress(file: string, options: RecompressOptions = {}): Promise<RecompressResult> {
  const name = options.advdef ?? 'advdef';
  const program = await findProgram(name);
  if (program === undefined) {
    return { status: 'skipped', reason: `${name} not found (Debian package advancecomp)` };
  }
  const before = (await stat(file)).size;
  const temp = temporaryName(file);
  try {
    await copyFile(file, temp);
    const run = await execa(program, ['-z', '-4', '-q', temp], { reject: false, stdin: 'ignore' });
    if (run.failed) {
      const detail = String(run.stderr).split('\n')[0] || run.shortMessage;
      return { status: 'kept', before, reason: `advdef failed: ${quoted(String(detail))}` };
    }
    const after = (await stat(temp)).size;
    if (after >= before) return { status: 'kept', before, reason: `advdef output is not smaller (${after} bytes)` };
    const expected = await gunzipDigest(file);
    if (expected === undefined) return { status: 'kept', before, reason: 'not a valid gzip file' };
    if ((await gunzipDigest(temp)) !== expected) {
      return { status: 'kept', before, reason: 'advdef output does not decompress to the same bytes' };
    }
    await rename(temp, file);
    return { status: 'recompressed', before, after };
  } finally {
    await rm(temp, { force: true });
  }
}

/** SHA-256 of a gzip file's content; zlib checks the CRC and length on the way. */
async function gunzipDigest(file: string): Promise<string | undefined> {
  const hash = createHash('sha256');
  try {
    await pipeline(createReadStream(file), createGunzip(), async (content: AsyncIterable<Buffer>) => {
      for await (const chunk of content) hash.update(chunk);
    });
  } catch {
    return undefined;
  }
  return hash.digest('hex');
}

async function findProgram(name: string): Promise<string | undefined> {
  const candidates = name.includes('/')
    ? [name]
    : (process.env.PATH ?? '').split(delimiter).flatMap((dir) => (dir === '' ? [] : [join(dir, name)]));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; try the next directory
    }
  }
  return undefined;
}
