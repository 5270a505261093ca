import { execFileSync } from 'node:child_process';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GzipInput, gzipBuffer, gzipChunks, libdeflateVersion, MAX_LEVEL } from '../../src/deflate/libdeflate.js';
import { DeflateError } from '../../src/errors.js';
import { binding } from '../../src/squashfs/binding.js';
import { mixedContent, pseudoRandom } from '../squashfs/helpers/bytes.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mkbundle-deflate-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const text = Buffer.from(Array.from({ length: 6000 }, (_, i) => `entry ${i % 331} of the initramfs\n`).join(''));
const sample = Buffer.concat([text, mixedContent(300_000, 5), pseudoRandom(50_000, 9)]);
const levels = Array.from({ length: MAX_LEVEL + 1 }, (_, level) => level);

function pieces(data: Buffer, cuts: readonly number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  return [...at, data.length].map((end, i) => data.subarray(i === 0 ? 0 : at[i - 1], end));
}

describe('gzipBuffer and gzipChunks', () => {
  it('reports the libdeflate it was built with', () => {
    expect(libdeflateVersion()).toMatch(/^1\.\d+/);
  });

  it.each(levels)('level %i round-trips through zlib and is what the chunked form gives', async (level) => {
    const out = await gzipBuffer(sample, level);
    expect(gunzipSync(out).equals(sample)).toBe(true);
    expect((await gzipChunks(pieces(sample, [1, 4095, 70_000, 200_001]), level)).equals(out)).toBe(true);
  });

  it('round-trips any bytes cut into any chunks, at any level (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 20_000 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.integer({ min: 0, max: MAX_LEVEL }),
        async (bytes, cuts, level) => {
          const data = Buffer.from(bytes);
          const whole = await gzipBuffer(data, level);
          expect(gunzipSync(whole).equals(data)).toBe(true);
          expect((await gzipChunks(pieces(data, cuts), level)).equals(whole)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('writes a header with no name and mtime 0, XFL as gzip sets it, OS Unix', async () => {
    // ID1 ID2, CM deflate, FLG 0 (no name, comment or extra), MTIME 0, XFL, OS 3.
    expect((await gzipBuffer(text, 12)).subarray(0, 10).toString('hex')).toBe('1f8b0800000000000203');
    expect((await gzipBuffer(text, 6)).subarray(0, 10).toString('hex')).toBe('1f8b0800000000000003');
    expect((await gzipBuffer(text, 1)).subarray(0, 10).toString('hex')).toBe('1f8b0800000000000403');
  });

  it('is deterministic: the same bytes and level give the same output', async () => {
    const [a, b] = await Promise.all([gzipBuffer(sample, 12), gzipBuffer(Buffer.from(sample), 12)]);
    expect(a.equals(b)).toBe(true);
  });

  it("is libdeflate-gzip's output but for the OS byte (it writes 255, unknown)", async () => {
    await writeFile(join(dir, 'sample'), sample);
    for (const level of [1, 6, 12]) {
      const peer = execFileSync('libdeflate-gzip', [`-${level}`, '-c', join(dir, 'sample')]);
      const ours = await gzipBuffer(sample, level);
      expect(peer[9]).toBe(255);
      expect(Buffer.concat([ours.subarray(0, 9), Buffer.from([255]), ours.subarray(10)]).equals(peer)).toBe(true);
    }
  });

  it('is read by GNU gzip -t, which counts the right size', async () => {
    await writeFile(join(dir, 'x.gz'), await gzipChunks([text, sample], 12));
    execFileSync('gzip', ['-t', join(dir, 'x.gz')]);
    const listed =
      execFileSync('gzip', ['-l', join(dir, 'x.gz')])
        .toString()
        .trim()
        .split('\n')
        .at(-1) ?? '';
    expect(listed.trim().split(/\s+/)[1]).toBe(String(text.length + sample.length));
  });

  it('compresses empty input to a valid empty member', async () => {
    for (const level of [0, 12]) {
      expect(gunzipSync(await gzipBuffer(Buffer.alloc(0), level)).length).toBe(0);
      expect(gunzipSync(await gzipChunks([], level)).length).toBe(0);
    }
  });

  it('level 0 stores, level 12 is at least as small as zlib -9 here', async () => {
    expect((await gzipBuffer(sample, 0)).length).toBeGreaterThan(sample.length);
    expect((await gzipBuffer(sample, 12)).length).toBeLessThanOrEqual(gzipSync(sample, { level: 9 }).length);
  });

  it('rejects levels outside 0..12 with a RangeError, before any work', async () => {
    for (const level of [-1, 13, 1.5, Number.NaN]) {
      await expect(gzipBuffer(text, level)).rejects.toThrow(RangeError);
      await expect(gzipChunks([text], level)).rejects.toThrow(/gzip level must be a whole number in 0\.\.12/);
      expect(() => binding()).not.toThrow();
    }
    expect(binding().liveObjects().gzipInputs).toBe(0);
  });

  it('compresses off the main thread: the event loop runs while it works', async () => {
    const big = mixedContent(3 * 1024 * 1024, 21);
    let settled = false;
    const work = gzipBuffer(big, 12).then((out) => {
      settled = true;
      return out;
    });
    const pendingWhenLoopRan = await new Promise<boolean>((resolve) => setImmediate(() => resolve(!settled)));
    expect(pendingWhenLoopRan).toBe(true);
    expect(gunzipSync(await work).equals(big)).toBe(true);
  });
});

describe('GzipInput errors', () => {
  it('frees the gathered bytes when the source fails, and passes its error on', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield sample;
      throw new Error('source broke');
    }
    await expect(gzipChunks(failing(), 12)).rejects.toThrow('source broke');
    expect(binding().liveObjects().gzipInputs).toBe(0);
  });

  it('takes no chunk after compression has started, and compresses once', async () => {
    const input = new GzipInput({ name: 'core.gz' });
    try {
      input.append(text);
      expect(input.size).toBe(text.length);
      const first = input.gzip(12);
      expect(() => input.append(text)).toThrow(DeflateError);
      await expect(input.gzip(12)).rejects.toMatchObject({
        name: 'DeflateError',
        code: 'EBUSY',
        exitCode: 5,
        message: 'core.gz: gzip by libdeflate failed: gzip input is already being compressed',
      });
      expect(gunzipSync(await first).equals(text)).toBe(true);
      await expect(input.gzip(12)).rejects.toMatchObject({ code: 'ECLOSED' });
      expect(() => input.append(text)).toThrow('core.gz: gzip by libdeflate failed: gzip input is closed');
    } finally {
      input.close();
    }
    expect(binding().liveObjects().gzipInputs).toBe(0);
  });

  it('frees at once when closed, even while a compression is running, which still completes', async () => {
    const input = new GzipInput();
    input.append(mixedContent(2 * 1024 * 1024, 4));
    expect(binding().liveObjects().gzipInputs).toBe(1);
    const running = input.gzip(12);
    input.close();
    expect(gunzipSync(await running).length).toBe(2 * 1024 * 1024);
    expect(binding().liveObjects().gzipInputs).toBe(0);
    await expect(input.gzip(1)).rejects.toMatchObject({ code: 'ECLOSED' });
  });

  it('the addon refuses what is not a Buffer', () => {
    const native = binding() as unknown as { gzip(input: unknown, level: unknown): unknown };
    expect(() => native.gzip('text', 6)).toThrow(TypeError);
    expect(() => native.gzip(text, '6')).toThrow(TypeError);
    expect(() => native.gzip(text, 99)).toThrow(RangeError);
  });
});

describe('GzipInput.smallest and writeMember', () => {
  /** Makes the member of `data` and writes it at `position` of a file that holds `before` first. */
  async function written(data: Buffer, before = Buffer.alloc(0)) {
    const path = join(dir, `member-${before.length}-${data.length}.gz`);
    await writeFile(path, before);
    const file = await open(path, 'r+');
    const input = new GzipInput({ name: 'core.gz' });
    try {
      input.append(data);
      const made = await input.smallest(12);
      expect(await input.writeMember(file.fd, before.length, path)).toBe(made.size);
      return { made, file: await readFile(path) };
    } finally {
      input.close();
      await file.close();
    }
  }

  it("keeps libdeflate 12's member when smaller than zlib 9's, and writes it where asked", async () => {
    const prefix = Buffer.from('earlier members ');
    const { made, file } = await written(sample, prefix);
    const ours = await gzipBuffer(sample, 12);
    expect(made).toEqual({
      by: 'libdeflate',
      size: ours.length,
      libdeflateSize: ours.length,
      zlibSize: gzipSync(sample, { level: 9 }).length,
    });
    expect(file.equals(Buffer.concat([prefix, ours]))).toBe(true);
    expect(binding().liveObjects().gzipInputs).toBe(0);
  });

  it("keeps zlib 9's member, byte for byte Node's gzip -9, where libdeflate's is not smaller (empty input)", async () => {
    const { made, file } = await written(Buffer.alloc(0));
    expect(made.by).toBe('zlib');
    expect(made.libdeflateSize).toBeGreaterThanOrEqual(made.zlibSize);
    expect(file.equals(gzipSync(Buffer.alloc(0), { level: 9 }))).toBe(true);
  });

  it('is never larger than zlib 9 and round-trips, whoever wins (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 6000 }), fc.nat({ max: 40 }), async (bytes, repeat) => {
        const data = Buffer.concat([Buffer.from(bytes), Buffer.from('abc '.repeat(repeat * 50))]);
        const { made, file } = await written(data);
        const zlib = gzipSync(data, { level: 9 });
        expect(made.zlibSize).toBe(zlib.length);
        expect(made.size).toBe(Math.min(made.libdeflateSize, made.zlibSize));
        expect(made.by).toBe(made.libdeflateSize < made.zlibSize ? 'libdeflate' : 'zlib');
        expect(gunzipSync(file).equals(data)).toBe(true);
        if (made.by === 'zlib') expect(file.equals(zlib)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('writes only a member made, frees it when closed, and takes no chunk or second compression after', async () => {
    const path = join(dir, 'lifecycle.gz');
    const file = await open(path, 'w');
    const input = new GzipInput({ name: 'core.gz' });
    try {
      input.append(text);
      await expect(input.writeMember(file.fd, 0, path)).rejects.toMatchObject({ code: 'ENOMEMBER', exitCode: 5 });
      const made = await input.smallest(12);
      expect(binding().liveObjects().gzipInputs).toBe(1);
      expect(() => input.append(text)).toThrow('core.gz: gzip by libdeflate failed: gzip input is closed');
      await expect(input.smallest(12)).rejects.toMatchObject({ code: 'ECLOSED' });
      const writing = input.writeMember(file.fd, 0, path);
      input.close();
      expect(await writing).toBe(made.size);
      expect(binding().liveObjects().gzipInputs).toBe(0);
      await expect(input.writeMember(file.fd, 0, path)).rejects.toMatchObject({ code: 'ECLOSED' });
      expect(gunzipSync(await readFile(path)).equals(text)).toBe(true);
    } finally {
      input.close();
      await file.close();
    }
  });

  it('a failed write is an InputError naming the file and the reason', async () => {
    const path = join(dir, 'read-only.gz');
    await writeFile(path, '');
    const file = await open(path, 'r');
    const input = new GzipInput();
    try {
      input.append(text);
      await input.smallest(12);
      await expect(input.writeMember(file.fd, 0, path)).rejects.toMatchObject({
        name: 'InputError',
        exitCode: 2,
        message: `cannot write ${path}: bad file descriptor`,
      });
    } finally {
      input.close();
      await file.close();
    }
    expect(binding().liveObjects().gzipInputs).toBe(0);
  });
});
