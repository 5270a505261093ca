import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { AddonError } from '../../src/errors.js';
import { collect, file, sh, useTempDirs } from './helpers.js';

const REASON = 'libdeflate: native addon /x/squashfs.node has no gzip (rebuild it with npm install)';

// An addon built before libdeflate was linked in: it loads, but has no gzip.
vi.mock('../../src/deflate/libdeflate.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/deflate/libdeflate.js')>();
  const missing = () => {
    throw new AddonError(REASON);
  };
  return { ...original, libdeflateVersion: vi.fn(missing), gzipBuffer: vi.fn(missing) };
});

const { writeTarGz } = await import('../../src/archive/tar-write.js');
const { readTar } = await import('../../src/archive/tar-read.js');

const tempDir = useTempDirs();

describe('writeTarGz without libdeflate', () => {
  it('writes one zlib -9 stream instead and says why', async () => {
    const root = await tempDir();
    const dest = join(root, 'o.tgz');
    const entries = [file('a.txt', 'alpha\n'.repeat(100)), file('b/c.txt', 'gamma\n')];
    const result = await writeTarGz(dest, entries);
    const gz = await readFile(dest);
    const sha256 = createHash('sha256').update(gz).digest('hex');
    expect(result).toEqual({ encoder: 'zlib', fallback: REASON, size: gz.length, sha256 });
    // One gzip member, the whole file: its deflate stream ends where the 8-byte trailer starts.
    const { engine } = inflateRawSync(gz.subarray(10), { info: true }) as unknown as {
      engine: { bytesWritten: number };
    };
    expect(10 + engine.bytesWritten + 8).toBe(gz.length);
    expect((await collect(readTar(dest))).map((e) => e.path)).toEqual(['a.txt', 'b/c.txt']);
    expect(await sh('tar -xzOf o.tgz b/c.txt', root)).toBe('gamma\n');
  });
});
