import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/config/duration.js';
import { UsageError } from '../../src/errors.js';

const UNITS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
type Unit = keyof typeof UNITS;
const unit = fc.constantFrom(...(Object.keys(UNITS) as Unit[]));

describe('parseDuration', () => {
  it('reads one whole number and one unit, with or without a space', () => {
    expect(parseDuration('30d')).toBe(30 * 86_400_000);
    expect(parseDuration('12h')).toBe(12 * 3_600_000);
    expect(parseDuration('90m')).toBe(90 * 60_000);
    expect(parseDuration('45s')).toBe(45_000);
    expect(parseDuration('2w')).toBe(14 * 86_400_000);
    expect(parseDuration(' 3 d ')).toBe(3 * 86_400_000);
    expect(parseDuration('0s')).toBe(0);
  });

  it.each(['', '30', 'd', '1M', '30D', '1.5h', '-1d', '1d12h', '1y', '30 days', '1e3s', '99999999999999w'])(
    'refuses %j with one line saying what it wants',
    (text) => {
      expect(() => parseDuration(text)).toThrowError(UsageError);
      expect(() => parseDuration(text)).toThrowError(
        /^expected a duration like 30d, 12h or 90m \(units s, m, h, d, w\), got '/,
      );
    },
  );

  it('quotes what it refuses, escaped', () => {
    expect(() => parseDuration('1\nd')).toThrowError("got '1\\u{a}d'");
  });

  it('is the count times the unit, for every count and unit', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1_000_000 }), unit, fc.boolean(), (n, u, space) => {
        return parseDuration(`${n}${space ? ' ' : ''}${u}`) === n * UNITS[u];
      }),
    );
  });

  it('reads back what formatDuration writes, for any whole number of seconds', () => {
    fc.assert(fc.property(fc.nat({ max: 10 ** 9 }), (s) => parseDuration(formatDuration(s * 1000)) === s * 1000));
  });

  it('any text either reads as a safe, non-negative count of whole seconds or is a UsageError', () => {
    const texts = fc.oneof(
      fc.string(),
      fc
        .tuple(fc.string({ unit: fc.constantFrom('0', '1', '9', ' ', '.', '-') }), fc.string({ maxLength: 2 }))
        .map(([a, b]) => a + b),
    );
    fc.assert(
      fc.property(texts, (text) => {
        try {
          const ms = parseDuration(text);
          return Number.isSafeInteger(ms) && ms >= 0 && ms % 1000 === 0 && /^\d+ ?[smhdw]$/.test(text.trim());
        } catch (error) {
          return error instanceof UsageError;
        }
      }),
    );
  });

  it('a longer count is never a shorter duration', () => {
    fc.assert(
      fc.property(fc.nat({ max: 10 ** 6 }), fc.nat({ max: 10 ** 6 }), unit, (a, b, u) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        return parseDuration(`${lo}${u}`) <= parseDuration(`${hi}${u}`);
      }),
    );
  });
});

describe('formatDuration', () => {
  it('uses the largest unit that divides it', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(45_000)).toBe('45s');
    expect(formatDuration(90 * 60_000)).toBe('90m');
    expect(formatDuration(30 * 86_400_000)).toBe('30d');
    expect(formatDuration(14 * 86_400_000)).toBe('2w');
    expect(formatDuration(1500)).toBe('1500ms');
  });
});
