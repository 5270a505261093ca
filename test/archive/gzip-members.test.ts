import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BLOCK_SIZE,
  DENSE_LEVEL,
  FAST_LEVEL,
  gzipMembers,
  levelByType,
  MEMBER_SIZE,
  partMembers,
  STORED_LEVEL,
  type StreamPart,
} from '../../src/archive/gzip-members.js';

/** Deterministic noise (xorshift32): does not deflate. */
function xorshift(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const NOISE = xorshift(4 * 1024 * 1024, 12345);

/** `size` bytes of noise from a place `seed` picks. */
function noise(size: number, seed: number): Buffer {
  const start = (seed * 7919) % (NOISE.length - size);
  return NOISE.subarray(start, start + size);
}

const text = (size: number, seed: number): Buffer =>
  Buffer.alloc(size, `${seed}: lorem ipsum dolor sit amet, consectetur adipiscing elit\n`);

const SQUASHFS = Buffer.from('hsqs');

async function members(parts: readonly StreamPart[]): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const member of gzipMembers(parts)) out.push(member);
  return out;
}

/** A stored member of `n` bytes: gzip framing, then a 5-byte header per stored block of at most 65535 bytes. */
const storedSize = (n: number): number => 18 + n + 5 * Math.max(1, Math.ceil(n / 65535));

/** The same bytes cut at the given offsets (taken modulo its length + 1). */
function cutAt(bytes: Buffer, offsets: readonly number[]): Buffer[] {
  const cuts = [...new Set(offsets.map((o) => o % (bytes.length + 1)))].sort((a, b) => a - b);
  const edges = [0, ...cuts, bytes.length];
  return edges.slice(1).map((end, i) => bytes.subarray(edges[i], end));
}

/** `bytes` in chunks of `size`. */
function chunked(bytes: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) chunks.push(bytes.subarray(offset, offset + size));
  return chunks;
}

describe('levelByType', () => {
  it('stores gzip, xz, zstd and bzip2 data, gives squashfs the fast level, samples the rest', () => {
    expect(levelByType(gzipSync('x').subarray(0, 6))).toBe(STORED_LEVEL);
    expect(levelByType(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))).toBe(STORED_LEVEL);
    expect(levelByType(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0]))).toBe(STORED_LEVEL);
    expect(levelByType(Buffer.from('BZh91A'))).toBe(STORED_LEVEL);
    expect(levelByType(Buffer.from('hsqs\u0004\u0000'))).toBe(FAST_LEVEL);
    expect(levelByType(Buffer.from('CD001\u0001'))).toBeUndefined();
    expect(levelByType(Buffer.from('hsq'))).toBeUndefined();
    expect(levelByType(Buffer.alloc(0))).toBeUndefined();
  });
});

describe('gzipMembers', () => {
  const content = fc.record({
    type: fc.constantFrom('noise', 'text', 'zeros', 'gzip', 'squashfs'),
    // Up to past two sample blocks, so that blocks of one file are judged apart.
    size: fc.integer({ min: 0, max: 2 * BLOCK_SIZE + 300 }),
    seed: fc.integer({ min: 1, max: 1_000_000 }),
  });
  const bytesOf = ({ type, size, seed }: { type: string; size: number; seed: number }): Buffer => {
    switch (type) {
      case 'noise':
        return noise(size, seed);
      case 'text':
        return text(size, seed);
      case 'zeros':
        return Buffer.alloc(size);
      case 'gzip':
        return Buffer.concat([gzipSync('x').subarray(0, 2), noise(size, seed)]);
      default:
        return Buffer.concat([SQUASHFS, noise(size, seed)]);
    }
  };
  const part = fc.record({
    kind: fc.constantFrom('meta' as const, 'data' as const),
    // Within a file, noise after text and text after noise.
    pieces: fc.array(content, { minLength: 1, maxLength: 3 }),
    // Where the chunks end: near the head (the type is told across chunks), inside and across sample blocks.
    cuts: fc.array(fc.oneof(fc.integer({ min: 0, max: 8 }), fc.nat()), { maxLength: 6 }),
  });

  it('members that each gunzip alone, whose concatenation is the input, the same however the input is chunked', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(part, { maxLength: 5 }), async (specs) => {
        const whole = specs.map((spec) => ({ kind: spec.kind, bytes: Buffer.concat(spec.pieces.map(bytesOf)) }));
        const one = await members(whole.map(({ kind, bytes }) => ({ kind, chunks: [bytes] })));
        const cut = await members(
          whole.map(({ kind, bytes }, i) => ({ kind, chunks: cutAt(bytes, specs[i]?.cuts ?? []) })),
        );
        const input = Buffer.concat(whole.map((p) => p.bytes));
        // Buffers compared as such: toEqual would walk them byte by byte.
        expect(cut.map((m) => m.length)).toEqual(one.map((m) => m.length));
        expect(Buffer.concat(cut).equals(Buffer.concat(one))).toBe(true);
        if (input.length === 0) {
          expect(one).toEqual([]);
        } else {
          expect(gunzipSync(Buffer.concat(one)).equals(input)).toBe(true);
          expect(Buffer.concat(one.map((m) => gunzipSync(m))).equals(input)).toBe(true);
        }
        for (const member of one) expect(member.length).toBeGreaterThan(18);
        // A data part of a block or more has members of its own: made beforehand, the output is the same.
        const ahead = await members(
          whole.map(
            ({ kind, bytes }): StreamPart =>
              kind === 'data' && bytes.length >= BLOCK_SIZE
                ? { kind: 'members', members: partMembers([bytes]) }
                : { kind, chunks: [bytes] },
          ),
        );
        expect(Buffer.concat(ahead).equals(Buffer.concat(one))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('stores compressed files, deflates text, and stores noise a sample shows does not shrink', async () => {
    const gz = gzipSync(noise(300_000, 7));
    const out = await members([
      { kind: 'meta', chunks: [Buffer.alloc(512)] },
      { kind: 'data', chunks: [gz] },
      { kind: 'meta', chunks: [Buffer.alloc(512)] },
      { kind: 'data', chunks: [Buffer.concat([text(BLOCK_SIZE, 1), noise(BLOCK_SIZE, 2)])] },
    ]);
    // Each file of a block or more has members of its own.
    expect(out.map((m) => gunzipSync(m).length)).toEqual([512, gz.length, 512, BLOCK_SIZE, BLOCK_SIZE]);
    expect(out[1]?.length).toBe(storedSize(gz.length));
    expect(out[3]?.length).toBeLessThan(BLOCK_SIZE / 10);
    expect(out[4]?.length).toBe(storedSize(BLOCK_SIZE));
  });

  it('deflates squashfs at the fast level, never stored, never more than stored', async () => {
    const tcz = Buffer.concat([SQUASHFS, noise(3 * BLOCK_SIZE, 3), text(BLOCK_SIZE, 4)]);
    const [member, ...rest] = await members([{ kind: 'data', chunks: [tcz] }]);
    expect(rest).toEqual([]);
    expect(gunzipSync(member as Buffer).equals(tcz)).toBe(true);
    expect(member?.length).toBeLessThan(storedSize(tcz.length) - BLOCK_SIZE / 2);
    expect(DENSE_LEVEL).toBeGreaterThan(FAST_LEVEL);
  });

  it('keeps files shorter than a block in their neighbours’ member, whatever their type', async () => {
    const small = [Buffer.concat([SQUASHFS, noise(4096, 8)]), gzipSync(noise(2000, 9)), noise(BLOCK_SIZE - 1, 10)];
    const bytes = small.flatMap((data) => [Buffer.alloc(512), data]);
    const out = await members(bytes.map((chunk, i) => ({ kind: i % 2 === 0 ? 'meta' : 'data', chunks: [chunk] })));
    expect(out).toHaveLength(1);
    expect(gunzipSync(out[0] as Buffer).equals(Buffer.concat(bytes))).toBe(true);
  });

  it(`cuts a long run into members of ${MEMBER_SIZE} input bytes`, async () => {
    const big = text(2 * MEMBER_SIZE + 1000, 5);
    const out = await members([{ kind: 'data', chunks: chunked(big, 65_536) }]);
    expect(out.map((m) => gunzipSync(m).length)).toEqual([MEMBER_SIZE, MEMBER_SIZE, 1000]);
    expect(Buffer.concat(out.map((m) => gunzipSync(m))).equals(big)).toBe(true);
  });

  it('makes no member of nothing', async () => {
    expect(await members([])).toEqual([]);
    expect(
      await members([
        { kind: 'data', chunks: [] },
        { kind: 'meta', chunks: [Buffer.alloc(0)] },
      ]),
    ).toEqual([]);
  });

  it('fails with the source’s error', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield text(100, 1);
      throw new Error('disk gone');
    }
    await expect(members([{ kind: 'data', chunks: failing() }])).rejects.toThrow('disk gone');
  });
});
