import fc from 'fast-check';
import type { CpioChunk } from '../../src/archive/cpio-write.js';
import type { ArchiveEntry } from '../../src/archive/entry.js';
import { pseudoRandom } from '../squashfs/helpers/bytes.js';

const HEADER = 110;
const align4 = (n: number) => (n + 3) & ~3;
const field = (cpio: Buffer, at: number, index: number) =>
  Number.parseInt(cpio.toString('latin1', at + 6 + 8 * index, at + 14 + 8 * index), 16);

export interface RecordSpan {
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

/**
 * The records of a newc archive, read from its headers alone (independently
 * of the writer): header and name padded to 4, data padded to 4; the
 * trailer's record runs to the end (the archive's padding).
 */
export function records(cpio: Buffer): RecordSpan[] {
  const spans: RecordSpan[] = [];
  let at = 0;
  while (at < cpio.length) {
    if (cpio.toString('latin1', at, at + 6) !== '070701') throw new Error(`no newc header at ${at}`);
    const filesize = field(cpio, at, 6);
    const namesize = field(cpio, at, 11);
    const name = cpio.toString('utf8', at + HEADER, at + HEADER + namesize - 1);
    const end = name === 'TRAILER!!!' ? cpio.length : align4(align4(at + HEADER + namesize) + filesize);
    spans.push({ name, start: at, end });
    at = end;
  }
  return spans;
}

/** Where each record ends. */
export const recordEnds = (cpio: Buffer): number[] => records(cpio).map((r) => r.end);

/** Each buffer one record, cut into pieces at `cuts` (offsets within the record, any order). */
export async function* recordChunks(
  records: readonly Buffer[],
  cuts: (index: number) => readonly number[] = () => [],
): AsyncGenerator<CpioChunk> {
  for (const [index, record] of records.entries()) {
    const at = [...new Set(cuts(index).map((c) => c % (record.length + 1)))].filter((c) => c > 0).sort((a, b) => a - b);
    const bounds = [0, ...at, record.length];
    for (let i = 0; i + 1 < bounds.length; i++) {
      const data = record.subarray(bounds[i], bounds[i + 1]);
      yield i === 0 ? { data, record: record.length } : { data };
    }
  }
}

/** The gzip file cut into its members, by the sizes the compressor reported. */
export function memberSlices(gz: Buffer, members: readonly { readonly size: number }[]): Buffer[] {
  const slices: Buffer[] = [];
  let at = 0;
  for (const { size } of members) {
    slices.push(gz.subarray(at, at + size));
    at += size;
  }
  if (at !== gz.length) throw new Error(`members cover ${at} of ${gz.length} bytes`);
  return slices;
}

export const ROOT = { uid: 0, gid: 0, mtime: 1_700_000_000 } as const;

/** Files of random sizes (some far above the member sizes tried), with directories, symlinks and hard links among them. */
export const entries = fc
  .array(
    fc.oneof(
      { weight: 6, arbitrary: fc.record({ kind: fc.constant('file' as const), size: fc.nat({ max: 3000 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('file' as const), size: fc.nat({ max: 60_000 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('dir' as const) }) },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('symlink' as const), length: fc.integer({ min: 1, max: 90 }) }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('hardlink' as const), pick: fc.nat() }) },
    ),
    { maxLength: 40 },
  )
  .map((specs) => {
    const files: string[] = [];
    return specs.flatMap((spec, i): ArchiveEntry[] => {
      const path = `e${i}`;
      if (spec.kind === 'file') {
        files.push(path);
        const data = pseudoRandom(spec.size, i + 1);
        return [{ kind: 'file', path, mode: 0o644, size: data.length, data: { from: 'buffer', data }, ...ROOT }];
      }
      if (spec.kind === 'dir') return [{ kind: 'dir', path, mode: 0o755, ...ROOT }];
      if (spec.kind === 'symlink')
        return [{ kind: 'symlink', path, mode: 0o777, target: 't'.repeat(spec.length), ...ROOT }];
      const target = files[spec.pick % Math.max(files.length, 1)];
      return target === undefined ? [] : [{ kind: 'hardlink', path, mode: 0o644, target, ...ROOT }];
    });
  });

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
