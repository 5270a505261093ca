import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cpioChunks, cpioStream } from '../../src/archive/cpio-write.js';
import { collect, entries, recordEnds } from '../initramfs/compress-helpers.js';

describe('the cpio writer tells where records start', () => {
  it('record lengths agree with the headers, read independently (property)', async () => {
    await fc.assert(
      fc.asyncProperty(entries, async (list) => {
        const chunks = await collect(cpioChunks(list));
        const bytes = Buffer.concat(chunks.map((c) => c.data));
        const starts: number[] = [];
        const lengths: number[] = [];
        let at = 0;
        for (const chunk of chunks) {
          if (chunk.record !== undefined) {
            starts.push(at);
            lengths.push(chunk.record);
          }
          at += chunk.data.length;
        }
        const ends = recordEnds(bytes);
        expect(starts).toEqual([0, ...ends.slice(0, -1)]);
        expect(lengths).toEqual(ends.map((end, i) => end - (starts[i] as number)));
        expect(Buffer.concat(await collect(cpioStream(list))).equals(bytes)).toBe(true);
      }),
      { numRuns: 80 },
    );
  });
});
