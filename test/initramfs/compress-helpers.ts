import type { CpioChunk } from '../../src/archive/cpio-write.js';

const HEADER = 110;
const align4 = (n: number) => (n + 3) & ~3;
const field = (cpio: Buffer, at: number, index: number) =>
  Number.parseInt(cpio.toString('latin1', at + 6 + 8 * index, at + 14 + 8 * index), 16);

/**
 * Where each record of a newc archive ends, read from its headers alone
 * (independently of the writer): header and name padded to 4, data padded
 * to 4; the trailer's record runs to the end (the archive's padding).
 */
export function recordEnds(cpio: Buffer): number[] {
  const ends: number[] = [];
  let at = 0;
  while (at < cpio.length) {
    if (cpio.toString('latin1', at, at + 6) !== '070701') throw new Error(`no newc header at ${at}`);
    const filesize = field(cpio, at, 6);
    const namesize = field(cpio, at, 11);
    const name = cpio.toString('latin1', at + HEADER, at + HEADER + namesize - 1);
    at = align4(align4(at + HEADER + namesize) + filesize);
    if (name === 'TRAILER!!!') at = cpio.length;
    ends.push(at);
  }
  return ends;
}

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
