/**
 * `file:` URLs: a mirror, ISO or tarball on disk, read the way a download
 * is (hashed as it streams into the cache's temp file, the same size limits).
 * A missing file is the local 404; one that cannot be read is the user's
 * environment (exit 2), not a network failure.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { quoted } from '../config/quote.js';
import { errorText, isCode } from '../errno.js';
import { InputError } from '../errors.js';
import { DigestStream } from './digest.js';
import { HttpError } from './failure.js';
import type { DownloadOptions, DownloadResult } from './http.js';

export function isFileUrl(url: string): boolean {
  return url.startsWith('file:');
}

export async function copyFileUrl(url: string, dest: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
  const { limit, onProgress, signal } = opts;
  const path = fileURLToPath(url);
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new InputError(`${quoted(path)}: not a regular file`);
    size = info.size;
  } catch (error) {
    if (error instanceof InputError) throw error;
    if (isCode(error, 'ENOENT') || isCode(error, 'ENOTDIR')) throw new HttpError(url, { kind: 'missing' }, 1);
    throw new InputError(`cannot read ${quoted(path)}: ${errorText(error)}`, { cause: error });
  }
  if (limit !== undefined && size > limit.bytes) {
    throw new HttpError(url, { kind: 'too-large', limit, announced: size }, 1);
  }
  let done = 0;
  const digest = new DigestStream((bytes) => {
    done += bytes;
    onProgress?.(done, size);
  });
  try {
    await pipeline(createReadStream(path), digest, createWriteStream(dest), { signal });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw new InputError(`cannot copy ${quoted(path)}: ${errorText(error)}`, { cause: error });
  }
  return { notModified: false, digests: digest.digests(), validators: {} };
}
