import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CpioChunk, cpioChunks } from '../../src/archive/cpio-write.js';
import type { ArchiveEntry } from '../../src/archive/entry.js';
import { compressCpio } from '../../src/initramfs/compress.js';
import { cutMembers, type MemberPiece } from '../../src/initramfs/members.js';
import { pseudoRandom } from '../squashfs/helpers/bytes.js';
import { collect, entries, memberSlices, ROOT, recordChunks, recordEnds } from './compress-helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mkbundle-members-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function* replay<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

/** Each member's [start, end) in the archive. */
function spans(pieces: readonly MemberPiece[]): [number, number][] {
  const out: [number, number][] = [];
  let at = 0;
  for (const { member, data } of pieces) {
    if (out[member] === undefined) out[member] = [at, at];
    (out[member] as [number, number])[1] = at + data.length;
    at += data.length;
  }
  return out;
}

describe('cutMembers', () => {
  it('cuts only where a record ends, takes records while they fit, and puts a longer one alone (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        entries,
        fc.integer({ min: 120, max: 20_000 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        async (list, size, cuts) => {
          const records = await collect(cpioChunks(list));
          const bytes = Buffer.concat(records.map((c) => c.data));
          const ends = recordEnds(bytes);
          const pieces = await collect(cutMembers(replay(records), size, 'test.cpio'));
          expect(Buffer.concat(pieces.map((p) => p.data)).equals(bytes)).toBe(true);
          const members = spans(pieces);
          expect(members.map(([, end]) => end).at(-1)).toBe(bytes.length);
          for (const [start, end] of members) {
            expect(ends).toContain(end);
            const inside = ends.filter((e) => e > start && e <= end);
            // Over the size only as one record; and the next record would not have fitted.
            if (end - start > size) expect(inside).toEqual([end]);
            const next = ends.find((e) => e > end);
            if (next !== undefined) expect(next - start).toBeGreaterThan(size);
          }
          // Where the bytes are cut into chunks does not move the members.
          const rechunked = recordChunks(
            bytes.length === 0 ? [] : ends.map((end, i) => bytes.subarray(i === 0 ? 0 : ends[i - 1], end)),
            (i) => cuts.map((c) => c + i),
          );
          expect(spans(await collect(cutMembers(rechunked, size, 'test.cpio')))).toEqual(members);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('refuses chunks that do not add up to their records: a cut could fall inside an entry', async () => {
    const cut = (chunks: CpioChunk[]) => collect(cutMembers(replay(chunks), 100, 'x.cpio'));
    const data = (n: number) => Buffer.alloc(n, 0x30);
    await expect(
      cut([
        { data: data(40), record: 60 },
        { data: data(20), record: 20 },
      ]),
    ).rejects.toThrow('x.cpio: a record starts 20 bytes before the end of the one before it');
    await expect(cut([{ data: data(40), record: 60 }, { data: data(30) }])).rejects.toThrow(
      'x.cpio: 10 bytes run past the end of their record',
    );
    await expect(cut([{ data: data(10) }])).rejects.toThrow('x.cpio: 10 bytes run past the end of their record');
    await expect(cut([{ data: data(40), record: 60 }])).rejects.toThrow(
      'x.cpio: the archive ends 20 bytes before the end of its last record',
    );
    await expect(collect(cutMembers(replay([]), 0, 'x.cpio'))).rejects.toThrow(RangeError);
  });
});

describe('compressCpio in members', () => {
  it('members decompress, alone and together, to exactly the cpio, each ending where a record ends (property)', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        entries,
        fc.integer({ min: 500, max: 30_000 }),
        fc.integer({ min: 1, max: 3 }),
        async (list, size, parallel) => {
          const chunks = await collect(cpioChunks(list));
          const bytes = Buffer.concat(chunks.map((c) => c.data));
          const ends = recordEnds(bytes);
          const out = join(dir, `property-${run++}.gz`);
          const result = await compressCpio(replay(chunks), out, 'libdeflate', {}, { size, parallel });
          const gz = await readFile(out);
          expect(gunzipSync(gz).equals(bytes)).toBe(true);
          for (const [i, slice] of memberSlices(gz, result.members).entries()) {
            const { offset, cpioSize } = result.members[i] as (typeof result.members)[number];
            expect(gunzipSync(slice).equals(bytes.subarray(offset, offset + cpioSize))).toBe(true);
            expect(ends).toContain(offset + cpioSize);
          }
          await rm(out);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('GNU gzip and cpio read every member: the same bytes and every entry listed', async () => {
    const list: ArchiveEntry[] = [
      { kind: 'dir', path: 'usr', mode: 0o755, ...ROOT },
      ...Array.from({ length: 60 }, (_, i): ArchiveEntry => {
        const data = pseudoRandom(1000 + ((i * 7919) % 30_000), i + 1);
        return {
          kind: 'file',
          path: `usr/f${i}`,
          mode: 0o644,
          size: data.length,
          data: { from: 'buffer', data },
          ...ROOT,
        };
      }),
      { kind: 'hardlink', path: 'usr/link', mode: 0o644, target: 'usr/f3', ...ROOT },
      { kind: 'symlink', path: 'usr/sym', mode: 0o777, target: 'f4', ...ROOT },
    ];
    const chunks = await collect(cpioChunks(list));
    const out = join(dir, 'gnu.gz');
    const result = await compressCpio(replay(chunks), out, 'libdeflate', {}, { size: 20_000 });
    expect(result.members.length).toBeGreaterThan(10);
    execFileSync('gzip', ['-t', out]);
    const bytes = execFileSync('gzip', ['-dc', out], { maxBuffer: 1 << 26 });
    expect(bytes.equals(Buffer.concat(chunks.map((c) => c.data)))).toBe(true);
    const listed = execFileSync('sh', ['-c', `gzip -dc '${out}' | cpio -it --quiet`])
      .toString()
      .trim()
      .split('\n');
    expect(listed).toEqual(list.map((e) => e.path));
  });
});
