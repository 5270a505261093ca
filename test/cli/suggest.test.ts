import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { editDistance, suggest } from '../../src/cli/suggest.js';

/** The definition, recursively: the cheapest of each edit at the end of the strings. */
function reference(a: string, b: string): number {
  if (a === '') return b.length;
  if (b === '') return a.length;
  const cost = a.at(-1) === b.at(-1) ? 0 : 1;
  let best = Math.min(
    reference(a.slice(0, -1), b) + 1,
    reference(a, b.slice(0, -1)) + 1,
    reference(a.slice(0, -1), b.slice(0, -1)) + cost,
  );
  if (a.length > 1 && b.length > 1 && a.at(-1) === b.at(-2) && a.at(-2) === b.at(-1)) {
    best = Math.min(best, reference(a.slice(0, -2), b.slice(0, -2)) + 1);
  }
  return best;
}

const word = (maxLength: number) => fc.string({ unit: fc.constantFrom('a', 'b', 'c', '-'), maxLength });

describe('editDistance', () => {
  it('is the optimal string alignment distance of the recursive definition', () => {
    fc.assert(fc.property(word(6), word(6), (a, b) => editDistance(a, b) === reference(a, b)));
  });

  it('is 0 only for the same string, symmetric, and between the length difference and the longer length', () => {
    fc.assert(
      fc.property(word(12), word(12), (a, b) => {
        const d = editDistance(a, b);
        expect(d === 0).toBe(a === b);
        expect(editDistance(b, a)).toBe(d);
        expect(d).toBeGreaterThanOrEqual(Math.abs(a.length - b.length));
        expect(d).toBeLessThanOrEqual(Math.max(a.length, b.length));
      }),
    );
  });

  it('counts one insertion, deletion, substitution or swap of neighbours as 1', () => {
    fc.assert(
      fc.property(
        word(10).filter((w) => w.length >= 2),
        fc.nat(),
        (w, n) => {
          const i = n % (w.length - 1);
          const swapped = w.slice(0, i) + w[i + 1] + w[i] + w.slice(i + 2);
          expect(editDistance(w, swapped)).toBe(w[i] === w[i + 1] ? 0 : 1);
          expect(editDistance(w, w.slice(0, i) + w.slice(i + 1))).toBe(1);
          expect(editDistance(w, `${w.slice(0, i)}x${w.slice(i)}`)).toBe(1);
          expect(editDistance(w, `${w.slice(0, i)}x${w.slice(i + 1)}`)).toBe(1);
        },
      ),
    );
  });

  it('counts code points, not UTF-16 units', () => {
    expect(editDistance('é😀', 'e😀')).toBe(1);
  });
});

describe('suggest', () => {
  const LONGS = ['out', 'builtin-list', 'mirror-list', 'verbose', 'json', 'jobs', 'no-deps', 'dry-run'];

  it('finds the near misses users make', () => {
    expect(suggest('ouput', LONGS)).toBe('out');
    expect(suggest('builtin-lsit', LONGS)).toBe('builtin-list');
    expect(suggest('no-dep', LONGS)).toBe('no-deps');
    expect(suggest('verb', LONGS)).toBe('verbose');
    expect(suggest('isoo', ['bundle', 'iso', 'inspect'])).toBe('iso');
  });

  it('stays quiet when nothing is near, or the word is empty', () => {
    expect(suggest('frobnicate', LONGS)).toBeUndefined();
    expect(suggest('x', ['bundle', 'iso'])).toBeUndefined();
    expect(suggest('', LONGS)).toBeUndefined();
  });

  it('suggests a candidate only within half the word (at most 3) or as its unique prefix', () => {
    fc.assert(
      fc.property(word(10), fc.array(word(10), { maxLength: 6 }), (w, candidates) => {
        const found = suggest(w, candidates);
        if (found === undefined) return;
        expect(candidates).toContain(found);
        const prefix = candidates.filter((c) => c.startsWith(w)).length === 1 && found.startsWith(w);
        const limit = Math.min(3, Math.max(1, Math.floor(w.length / 2)));
        expect(prefix || editDistance(w, found) <= limit).toBe(true);
        if (!prefix) {
          for (const c of candidates) expect(editDistance(w, c)).toBeGreaterThanOrEqual(editDistance(w, found));
        }
      }),
    );
  });
});
