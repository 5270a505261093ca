import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSize } from '../../src/config/size.js';
import { UsageError } from '../../src/errors.js';
import { formatSize } from '../../src/fetch/size-limit.js';

const UNITS = { K: 1024, M: 1024 ** 2, G: 1024 ** 3 } as const;

describe('parseSize', () => {
  it('reads bytes and binary units in any case, with or without iB', () => {
    expect(parseSize('1048576')).toBe(1024 * 1024);
    expect(parseSize('512K')).toBe(512 * 1024);
    expect(parseSize('16m')).toBe(16 * 1024 ** 2);
    expect(parseSize('2GiB')).toBe(2 * 1024 ** 3);
    expect(parseSize(' 3 MiB ')).toBe(3 * 1024 ** 2);
    expect(parseSize('100B')).toBe(100);
  });

  it.each(['', '0', '0K', '-1M', '1.5M', '16MB', '1KB', '1T', 'M', 'lots', '9007199254740992', '99999999999G'])(
    'refuses %j with one line saying what it wants',
    (text) => {
      expect(() => parseSize(text)).toThrowError(UsageError);
      expect(() => parseSize(text)).toThrowError(/^expected a size like 512K, 16M or 2G \(at least 1 byte\), got '/);
    },
  );

  it('quotes what it refuses, escaped', () => {
    expect(() => parseSize('1\nM')).toThrowError("got '1\\u{a}M'");
  });

  it('reads back what formatSize writes for whole units', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1023 }),
        fc.constantFrom('K', 'M', 'G') as fc.Arbitrary<keyof typeof UNITS>,
        (n, unit) => {
          const bytes = n * UNITS[unit];
          return parseSize(formatSize(bytes).replace(' ', '')) === bytes;
        },
      ),
    );
  });

  it('any whole number of bytes reads as itself', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (n) => parseSize(String(n)) === n));
  });
});

describe('formatSize', () => {
  it('is exact for whole units, one decimal otherwise', () => {
    expect(formatSize(0)).toBe('0 B');
    expect(formatSize(1023)).toBe('1023 B');
    expect(formatSize(1024)).toBe('1 KiB');
    expect(formatSize(1536)).toBe('1.5 KiB');
    expect(formatSize(16 * 1024 ** 2)).toBe('16 MiB');
    expect(formatSize(600 * 1024 ** 2)).toBe('600 MiB');
    expect(formatSize(1024 ** 3)).toBe('1 GiB');
    expect(formatSize(5 * 1024 ** 4)).toBe('5120 GiB');
  });
});
