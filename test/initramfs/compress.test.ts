import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CompressProgress, chooseEncoder, compressCpio } from '../../src/initramfs/compress.js';
import { binding } from '../../src/squashfs/binding.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mkbundle-compress-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lines = (n: number) =>
  Array.from({ length: n }, (_, i) => Buffer.from(`usr/local/tce.installed/entry-${i % 977}\n`.repeat(3)));

async function* from(chunks: readonly Buffer[]): AsyncGenerator<Buffer> {
  yield* chunks;
}

describe('compressCpio', () => {
  it('libdeflate: keeps its member when smaller than gzip -9, and reports the step and its end', async () => {
    const chunks = lines(4000);
    const data = Buffer.concat(chunks);
    const out = join(dir, 'libdeflate.gz');
    const encodes: number[] = [];
    const progress: CompressProgress[] = [];
    const result = await compressCpio(from(chunks), out, 'libdeflate', {
      onEncode: (bytes) => encodes.push(bytes),
      onProgress: (p) => progress.push(p),
    });
    const file = await readFile(out);
    expect(gunzipSync(file).equals(data)).toBe(true);
    expect(result).toMatchObject({ encoder: 'libdeflate', kept: 'libdeflate 12', cpioSize: data.length });
    expect(result.size).toBe(file.length);
    expect(result.gzipSize).toBe(gzipSync(data, { level: 9 }).length);
    expect(result.size).toBeLessThan(result.gzipSize);
    expect(encodes).toEqual([data.length]);
    expect(progress.at(-1)).toMatchObject({ done: data.length, total: data.length });
    expect(await readdir(dir)).toEqual(['libdeflate.gz']);
  });

  it('libdeflate: keeps gzip -9 when libdeflate is not smaller (an empty cpio), and says so', async () => {
    const out = join(dir, 'empty.gz');
    const result = await compressCpio(from([]), out, 'libdeflate');
    const file = await readFile(out);
    expect(gunzipSync(file).length).toBe(0);
    expect(result).toMatchObject({ kept: 'gzip -9', size: file.length, gzipSize: file.length, cpioSize: 0 });
    expect(result.summary).toMatch(
      new RegExp(`^gzip -9 kept \\(${file.length} bytes\\): libdeflate 12 output is not smaller \\(\\d+ bytes\\)$`),
    );
  });

  it('gzip: gzip -9 streamed, with no step of its own', async () => {
    const chunks = lines(500);
    const out = join(dir, 'gzip.gz');
    const encodes: number[] = [];
    const result = await compressCpio(from(chunks), out, 'gzip', { onEncode: (bytes) => encodes.push(bytes) });
    const file = await readFile(out);
    expect(file.subarray(10).equals(gzipSync(Buffer.concat(chunks), { level: 9 }).subarray(10))).toBe(true);
    expect(result).toMatchObject({ encoder: 'gzip', kept: 'gzip -9', size: file.length });
    expect(encodes).toEqual([]);
  });

  it('advdef: recompresses the gzip -9 file and keeps the smaller', async () => {
    const chunks = lines(300);
    const out = join(dir, 'advdef.gz');
    const result = await compressCpio(from(chunks), out, 'advdef');
    const file = await readFile(out);
    expect(gunzipSync(file).equals(Buffer.concat(chunks))).toBe(true);
    expect(result.encoder).toBe('advdef');
    expect(result.size).toBe(file.length);
    expect(result.size).toBeLessThanOrEqual(result.gzipSize);
  });

  it('when the cpio fails, passes its error on, writes nothing and frees the gathered bytes', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield* lines(100);
      throw new Error('hostile entry');
    }
    const out = join(dir, 'never.gz');
    await expect(compressCpio(failing(), out, 'libdeflate')).rejects.toThrow('hostile entry');
    expect(existsSync(out)).toBe(false);
    expect((await readdir(dir)).filter((n) => n.startsWith('never'))).toEqual([]);
    expect(binding().liveObjects().gzipInputs).toBe(0);
  });
});

describe('chooseEncoder', () => {
  it('takes what is asked for when it is there, and libdeflate by default where the addon loads', async () => {
    expect(await chooseEncoder(undefined)).toEqual({ encoder: 'libdeflate' });
    for (const encoder of ['libdeflate', 'advdef', 'gzip'] as const) {
      expect(await chooseEncoder(encoder)).toEqual({ encoder });
    }
  });
});
