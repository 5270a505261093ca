import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync, inflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ArchiveEntry } from '../../src/archive/entry.js';
import { MEMBER_SIZE } from '../../src/archive/gzip-members.js';
import { readTar } from '../../src/archive/tar-read.js';
import { type Precompressed, precompressFile, writeTarGz } from '../../src/archive/tar-write.js';
import { collect, file, sh, useTempDirs } from './helpers.js';

const tempDir = useTempDirs();

/** Bytes that do not deflate: SHA-256 in counter mode. */
function noise(size: number, seed: string): Buffer {
  const out = Buffer.alloc(size);
  for (let offset = 0, i = 0; offset < size; offset += 32, i++) {
    createHash('sha256').update(`${seed}:${i}`).digest().copy(out, offset);
  }
  return out;
}

/** A file entry of raw bytes. */
const blob = (path: string, data: Buffer): ArchiveEntry =>
  ({ ...file(path, ''), size: data.length, data: { from: 'buffer', data } }) as ArchiveEntry;

/** The compressed size of each gzip member of `gz`, in order (deflate reports where its stream ends). */
function memberSizes(gz: Buffer): number[] {
  const sizes: number[] = [];
  for (let offset = 0; offset < gz.length; ) {
    expect(gz.subarray(offset, offset + 3).toString('hex')).toBe('1f8b08');
    const { engine } = inflateRawSync(gz.subarray(offset + 10), { info: true }) as unknown as {
      engine: { bytesWritten: number };
    };
    const size = 10 + engine.bytesWritten + 8;
    sizes.push(size);
    offset += size;
  }
  return sizes;
}

describe('writeTarGz in gzip members', () => {
  it('GNU tar and readTar read a bundle-shaped archive of several members back exactly', async () => {
    const root = await tempDir();
    const iso = Buffer.concat([Buffer.alloc(32 * 1024), Buffer.from('CD001'), noise(300_000, 'iso')]);
    const contents: Record<string, Buffer> = {
      'Core-current.iso': iso,
      'dependencies/overlay.tar.gz': gzipSync(noise(200_000, 'overlay')),
      'tmp/builtin/optional/ruby.tcz': Buffer.concat([Buffer.from('hsqs'), noise(150_000, 'tcz')]),
      'tmp/builtin/optional/ruby.tcz.md5.txt': Buffer.from('0123456789abcdef0123456789abcdef  ruby.tcz\n'),
      'mkbundle-iso.mjs': Buffer.alloc(MEMBER_SIZE + 70_000, 'export const x = 1;\n'),
      empty: Buffer.alloc(0),
    };
    const entries: ArchiveEntry[] = Object.entries(contents).map(([path, data]) => blob(path, data));
    const dest = join(root, 'bundle.tar.gz');
    const result = await writeTarGz(dest, entries);
    const gz = await readFile(dest);
    expect(result).toEqual({
      encoder: 'libdeflate',
      size: gz.length,
      sha256: createHash('sha256').update(gz).digest('hex'),
    });
    expect(memberSizes(gz).length).toBeGreaterThan(5);
    await sh('gzip -t bundle.tar.gz && mkdir x && tar -xzf bundle.tar.gz -C x', root);
    for (const [path, data] of Object.entries(contents)) {
      expect((await readFile(join(root, 'x', path))).equals(data), path).toBe(true);
    }
    const read = await collect(readTar(dest));
    expect(read.map((e) => e.path)).toEqual(Object.keys(contents).sort());
    for (const entry of read) expect(entry.content?.equals(contents[entry.path] as Buffer), entry.path).toBe(true);
    // The compressed ones cost their stored size, the text shrinks.
    expect(gz.length).toBeLessThan(iso.length + 200_000 + 150_000 + 2 * 1024 * 1024);
  });

  it('a file compressed ahead (precompressFile) gives the same bytes; one whose size changed is refused', async () => {
    const root = await tempDir();
    const isoPath = join(root, 'Core-current.iso');
    await writeFile(isoPath, Buffer.concat([Buffer.alloc(40_000, 'iso9660 '), noise(200_000, 'iso')]));
    const iso: ArchiveEntry = {
      ...file('Core-current.iso', ''),
      size: 240_000,
      data: { from: 'path', path: isoPath },
    } as ArchiveEntry;
    const entries = [file('COPYING', 'GPL\n'), iso, file('bundle.json', '{}\n')];
    await writeTarGz(join(root, 'plain.tgz'), entries);
    const ahead = precompressFile(iso, { name: 'b.tgz' });
    expect(ahead).toMatchObject({ path: 'Core-current.iso', size: 240_000 });
    await writeTarGz(join(root, 'ahead.tgz'), entries, { precompressed: [ahead as Precompressed] });
    expect((await readFile(join(root, 'ahead.tgz'))).equals(await readFile(join(root, 'plain.tgz')))).toBe(true);

    expect(precompressFile(file('small', 'x'))).toBeUndefined();
    const grown = { ...iso, size: 250_000 } as ArchiveEntry;
    await expect(
      writeTarGz(join(root, 'bad.tgz'), [grown], { name: 'b.tgz', precompressed: [ahead as Precompressed] }),
    ).rejects.toThrow("b.tgz: 'Core-current.iso': data size changed: expected 250000 bytes, got 240000");
    expect(existsSync(join(root, 'bad.tgz'))).toBe(false);
  });

  it('readTar reads a .tar.gz cut into gzip members anywhere, headers included', async () => {
    const root = await tempDir();
    const entries: ArchiveEntry[] = [
      file('a.txt', 'alpha\n'.repeat(300)),
      blob('b.bin', noise(5000, 'b')),
      file('c/d.txt', 'delta\n'),
    ];
    await writeTarGz(join(root, 'one.tgz'), entries);
    await sh('gzip -dc one.tgz > one.tar', root);
    const tar = await readFile(join(root, 'one.tar'));
    const expected = await collect(readTar(join(root, 'one.tar')));
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: tar.length - 1 }), { maxLength: 8 }), async (cuts) => {
        const edges = [0, ...cuts.sort((a, b) => a - b), tar.length];
        const gz = Buffer.concat(edges.slice(1).map((end, i) => gzipSync(tar.subarray(edges[i], end))));
        const path = join(root, 'cut.tgz');
        await writeFile(path, gz);
        expect(await collect(readTar(path))).toEqual(expected);
      }),
      { numRuns: 30 },
    );
  });
});
