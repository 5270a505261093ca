import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { limiter } from '../../src/fetch/limit.js';

describe('limiter', () => {
  it('never runs more than its concurrency at once, and runs every task', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 30 }),
        async (n, delays) => {
          const limit = limiter(n);
          let active = 0;
          let peak = 0;
          const results = await Promise.all(
            delays.map((delay, i) =>
              limit(async () => {
                active += 1;
                peak = Math.max(peak, active);
                await new Promise((resolve) => setTimeout(resolve, delay));
                active -= 1;
                return i;
              }),
            ),
          );
          expect(results).toEqual(delays.map((_, i) => i));
          expect(peak).toBeLessThanOrEqual(n);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('gives a free slot to the waiting chain tasks first, each kind in order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom('chain', 'leaf'), { maxLength: 20 }), async (kinds) => {
        const limit = limiter(1);
        let release: () => void = () => undefined;
        const first = limit(() => new Promise<void>((resolve) => (release = resolve)));
        const started: number[] = [];
        const queued = kinds.map((kind, i) =>
          limit(async () => {
            started.push(i);
          }, kind),
        );
        release();
        await Promise.all([first, ...queued]);
        const ofKind = (kind: string) => kinds.flatMap((k, i) => (k === kind ? [i] : []));
        expect(started).toEqual([...ofKind('chain'), ...ofKind('leaf')]);
      }),
      { numRuns: 50 },
    );
  });

  it('frees the slot of a failed task', async () => {
    const limit = limiter(1);
    await expect(limit(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limit(async () => 'next')).resolves.toBe('next');
  });

  it('refuses a concurrency below one', () => {
    expect(() => limiter(0)).toThrow(RangeError);
  });
});
