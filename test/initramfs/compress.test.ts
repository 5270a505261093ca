import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CpioChunk } from '../../src/archive/cpio-write.js';
import { type CompressProgress, chooseEncoder, compressCpio } from '../../src/initramfs/compress.js';
import { binding } from '../../src/squashfs/binding.js';
import { mountTmpfs, unmount } from '../rebuild/helpers.js';
import { pseudoRandom } from '../squashfs/helpers/bytes.js';
import { memberSlices, recordChunks } from './compress-helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mkbundle-compress-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lines = (n: number) =>
  Array.from({ length: n }, (_, i) => Buffer.from(`usr/local/tce.installed/entry-${i % 977}\n`.repeat(3)));

const WORDS =
  'the of and to in is that for it as was with be by on not he this are or his from at which but have'.split(' ');

/** Like a .tcz: text (words in a random order) deflated in 4 KiB blocks; libdeflate gains almost nothing there. */
function tczLike(size: number): Buffer {
  const random = pseudoRandom(size, 5);
  const words: string[] = [];
  for (let i = 0, length = 0; length < size; i++) {
    const word = `${WORDS[(random[i % size] as number) % WORDS.length]}${(random[(i * 7) % size] as number) % 9 === 0 ? '\n' : ' '}`;
    words.push(word);
    length += word.length;
  }
  const text = Buffer.from(words.join(''));
  const blocks: Buffer[] = [];
  for (let at = 0; at < text.length; at += 4096) blocks.push(deflateSync(text.subarray(at, at + 4096)));
  return Buffer.concat(blocks);
}

async function out(name: string): Promise<string> {
  const path = join(dir, name);
  await mkdir(path);
  return join(path, 'core.gz');
}

describe('compressCpio: libdeflate in members', () => {
  it('cuts members between records, each libdeflate 12 and smaller than gzip -9 of its bytes', async () => {
    const records = lines(4000);
    const data = Buffer.concat(records);
    const file = await out('libdeflate');
    const result = await compressCpio(recordChunks(records), file, 'libdeflate', {}, { size: 64 * 1024 });
    const gz = await readFile(file);
    expect(gunzipSync(gz).equals(data)).toBe(true);
    expect(result).toMatchObject({ encoder: 'libdeflate', kept: 'libdeflate 12', cpioSize: data.length });
    expect(result.size).toBe(gz.length);
    expect(result.members.length).toBe(Math.ceil(data.length / (64 * 1024)));
    let gzipSize = 0;
    for (const [i, slice] of memberSlices(gz, result.members).entries()) {
      const member = result.members[i] as (typeof result.members)[number];
      const bytes = data.subarray(member.offset, member.offset + member.cpioSize);
      expect(gunzipSync(slice).equals(bytes)).toBe(true);
      const zlib = gzipSync(bytes, { level: 9 }).length;
      expect(member.size).toBeLessThan(zlib);
      gzipSize += zlib;
    }
    expect(result.gzipSize).toBe(gzipSize);
    expect(result.summary).toBe(
      `libdeflate 12: ${data.length} → ${gz.length} bytes in ${result.members.length} members (${((100 * gz.length) / gzipSize).toFixed(2)}% of gzip -9)`,
    );
    expect(await readdir(join(dir, 'libdeflate'))).toEqual(['core.gz']);
  });

  it('reports the step when the cpio ends, then bytes done as members are written, and the end', async () => {
    const records = lines(3000);
    const total = Buffer.concat(records).length;
    const encodes: number[] = [];
    const progress: CompressProgress[] = [];
    const result = await compressCpio(
      recordChunks(records),
      await out('progress'),
      'libdeflate',
      { onEncode: (bytes) => encodes.push(bytes), onProgress: (p) => progress.push(p) },
      { size: 16 * 1024, parallel: 4 },
    );
    expect(encodes).toEqual([total]);
    const boundaries = result.members.map((m) => m.offset + m.cpioSize);
    const done = progress.map((p) => p.done);
    expect(done.at(-1)).toBe(total);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    for (const bytes of done) expect([0, ...boundaries]).toContain(bytes);
    // The members still in flight when the cpio ends are written after it, one by one.
    expect(new Set(done).size).toBeGreaterThan(1);
    expect(progress.every((p) => p.total === total)).toBe(true);
  });

  it('gives the same bytes whatever the parallelism and however the records arrive in chunks', async () => {
    const records = [...lines(1500), pseudoRandom(100_000, 3), ...lines(700)];
    const one = await out('parallel-1');
    const three = await out('parallel-3');
    await compressCpio(recordChunks(records), one, 'libdeflate', {}, { size: 20_000, parallel: 1 });
    const cuts = (i: number) => [i * 7919, i * 104_729 + 13];
    await compressCpio(recordChunks(records, cuts), three, 'libdeflate', {}, { size: 20_000, parallel: 3 });
    expect((await readFile(one)).equals(await readFile(three))).toBe(true);
  });

  it('a record longer than the member size is a member of its own', async () => {
    const big = pseudoRandom(50_000, 8);
    const records = [...lines(10), big, ...lines(10)];
    const result = await compressCpio(recordChunks(records), await out('big'), 'libdeflate', {}, { size: 1000 });
    const bigAt = Buffer.concat(lines(10)).length;
    expect(result.members.map((m) => [m.offset, m.cpioSize])).toContainEqual([bigAt, big.length]);
  });

  it('keeps gzip -9 when libdeflate is not smaller (an empty cpio: one empty member), and says so', async () => {
    const file = await out('empty');
    const result = await compressCpio(recordChunks([]), file, 'libdeflate');
    const gz = await readFile(file);
    expect(gz.equals(gzipSync(Buffer.alloc(0), { level: 9 }))).toBe(true);
    expect(result).toMatchObject({ kept: 'gzip -9', size: gz.length, gzipSize: gz.length, cpioSize: 0 });
    expect(result.members).toEqual([{ offset: 0, cpioSize: 0, size: gz.length, kept: 'gzip -9' }]);
    expect(result.summary).toMatch(
      new RegExp(
        `^gzip -9 kept \\(${gz.length} bytes, 1 member\\): libdeflate 12 output is not smaller \\(\\d+ bytes\\)$`,
      ),
    );
  });

  it('when the cpio fails, passes its error on, writes nothing and frees every member in flight', async () => {
    async function* failing(): AsyncGenerator<CpioChunk> {
      yield* recordChunks(lines(3000));
      throw new Error('hostile entry');
    }
    const file = await out('never');
    await expect(compressCpio(failing(), file, 'libdeflate', {}, { size: 8 * 1024 })).rejects.toThrow('hostile entry');
    expect(existsSync(file)).toBe(false);
    expect(await readdir(join(dir, 'never'))).toEqual([]);
    expect(binding().liveObjects().gzipInputs).toBe(0);
  });

  it.runIf(process.getuid?.() === 0)('a full disk: exit 2 naming core.gz, nothing left behind', async () => {
    const mount = join(dir, 'full');
    await mountTmpfs(mount, '64k');
    try {
      const file = join(mount, 'core.gz');
      const records = [pseudoRandom(40_000, 1), pseudoRandom(40_000, 2), pseudoRandom(40_000, 3)];
      const failure = compressCpio(recordChunks(records), file, 'libdeflate', {}, { size: 30_000 });
      await expect(failure).rejects.toMatchObject({
        exitCode: 2,
        message: `cannot write ${file}: no space left on device`,
      });
      expect(await readdir(mount)).toEqual([]);
      expect(binding().liveObjects().gzipInputs).toBe(0);
    } finally {
      unmount(mount);
    }
  });
});

describe('compressCpio: max', () => {
  it('adds advdef -z4 on members of already-compressed data, kept where smaller, libdeflate elsewhere', async () => {
    const tcz = tczLike(400_000);
    const records = [...lines(2000), tcz, ...lines(500)];
    const data = Buffer.concat(records);
    const size = 64 * 1024;
    const maxFile = await out('max');
    const libFile = await out('max-libdeflate');
    const max = await compressCpio(recordChunks(records), maxFile, 'max', {}, { size });
    const lib = await compressCpio(recordChunks(records), libFile, 'libdeflate', {}, { size });
    const gz = await readFile(maxFile);
    expect(gunzipSync(gz).equals(data)).toBe(true);
    expect(max.encoder).toBe('max');
    expect(max.members.map((m) => [m.offset, m.cpioSize])).toEqual(lib.members.map((m) => [m.offset, m.cpioSize]));
    const tczMember = max.members.find((m) => m.cpioSize === tcz.length);
    expect(tczMember?.kept).toBe('advdef -z4');
    // Elsewhere, what the default keeps (libdeflate 12, or gzip -9 where zlib is no larger).
    expect(max.members.filter((m) => m !== tczMember)).toEqual(lib.members.filter((m) => m.cpioSize !== tcz.length));
    expect(max.size).toBeLessThan(lib.size);
    for (const [i, slice] of memberSlices(gz, max.members).entries()) {
      const member = max.members[i] as (typeof max.members)[number];
      expect(gunzipSync(slice).equals(data.subarray(member.offset, member.offset + member.cpioSize))).toBe(true);
    }
    const counts = new Map<string, number>();
    for (const m of max.members) counts.set(m.kept, (counts.get(m.kept) ?? 0) + 1);
    const mix = [...counts].map(([kept, n]) => `${kept} ×${n}`).join(', ');
    expect(max.summary).toBe(
      `libdeflate 12 + advdef -z4: ${data.length} → ${gz.length} bytes in ${max.members.length} members (${((100 * gz.length) / max.gzipSize).toFixed(2)}% of gzip -9; ${mix})`,
    );
    expect(await readdir(join(dir, 'max'))).toEqual(['core.gz']);
  });
});

describe('compressCpio: one stream', () => {
  it('gzip: gzip -9 streamed, one member, with no step of its own', async () => {
    const records = lines(500);
    const file = await out('gzip');
    const encodes: number[] = [];
    const result = await compressCpio(recordChunks(records), file, 'gzip', { onEncode: (b) => encodes.push(b) });
    const gz = await readFile(file);
    expect(gz.subarray(10).equals(gzipSync(Buffer.concat(records), { level: 9 }).subarray(10))).toBe(true);
    expect(result).toMatchObject({ encoder: 'gzip', kept: 'gzip -9', size: gz.length });
    expect(result.members).toHaveLength(1);
    expect(encodes).toEqual([]);
  });

  it('advdef: recompresses the gzip -9 file and keeps the smaller', async () => {
    const records = lines(300);
    const file = await out('advdef');
    const result = await compressCpio(recordChunks(records), file, 'advdef');
    const gz = await readFile(file);
    expect(gunzipSync(gz).equals(Buffer.concat(records))).toBe(true);
    expect(result.encoder).toBe('advdef');
    expect(result.size).toBe(gz.length);
    expect(result.size).toBeLessThanOrEqual(result.gzipSize);
    expect(result.members).toEqual([{ offset: 0, cpioSize: result.cpioSize, size: gz.length, kept: result.kept }]);
  });
});

describe('chooseEncoder', () => {
  it('takes what is asked for when it is there, and libdeflate by default where the addon loads', async () => {
    expect(await chooseEncoder(undefined)).toEqual({ encoder: 'libdeflate' });
    for (const encoder of ['libdeflate', 'max', 'advdef', 'gzip'] as const) {
      expect(await chooseEncoder(encoder)).toEqual({ encoder });
    }
  });
});
