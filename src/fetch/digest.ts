import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** What the cache knows about a body: both sums, because `.md5.txt` files check md5 and bundle.json records sha256. */
export interface Digests {
  readonly sha256: string;
  readonly md5: string;
  readonly size: number;
}

/** Pass-through that hashes and counts the bytes flowing to the file, so a download is read once. */
export class DigestStream extends Transform {
  private readonly sha256: Hash = createHash('sha256');
  private readonly md5: Hash = createHash('md5');
  private bytes = 0;

  constructor(private readonly onChunk: (bytes: number) => void = () => {}) {
    super();
  }

  get size(): number {
    return this.bytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.sha256.update(chunk);
    this.md5.update(chunk);
    this.bytes += chunk.length;
    this.onChunk(chunk.length);
    callback(null, chunk);
  }

  /** Hashes and counts what `file` already holds (a download resumed after it), without passing it on. */
  async prime(file: string): Promise<void> {
    for await (const chunk of createReadStream(file)) {
      this.sha256.update(chunk as Buffer);
      this.md5.update(chunk as Buffer);
      this.bytes += (chunk as Buffer).length;
    }
  }

  /** Only valid once the stream has finished. */
  digests(): Digests {
    return { sha256: this.sha256.digest('hex'), md5: this.md5.digest('hex'), size: this.bytes };
  }
}

/** Hashes a file by name, or through an open handle (which stays open) to hash exactly the inode opened. */
export async function hashFile(file: string | FileHandle): Promise<Digests> {
  const digest = new DigestStream();
  digest.resume();
  const input =
    typeof file === 'string' ? createReadStream(file) : file.createReadStream({ start: 0, autoClose: false });
  await pipeline(input, digest);
  return digest.digests();
}
