import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CacheEntry, encodeLdCache, sortCacheEntries, stringTable } from '../../src/initramfs/ldcache-format.js';
import { libcmp } from '../../src/initramfs/libcmp.js';
import { decodeEntries, generatorOf } from './ldcache-helpers.js';

const cmp = (a: string, b: string) => Math.sign(libcmp(Buffer.from(a), Buffer.from(b)));

describe('libcmp', () => {
  it('compares runs of digits as numbers', () => {
    expect(cmp('libfoo.so.10', 'libfoo.so.9')).toBe(1);
    expect(cmp('libfoo.so.1.2.10', 'libfoo.so.1.2.9')).toBe(1);
    expect(cmp('libfoo.so.01', 'libfoo.so.1')).toBe(0);
  });

  it('puts digits after any other byte, and a longer name after its prefix', () => {
    expect(cmp('libi64.so', 'libilx.so')).toBe(1);
    expect(cmp('libfoo.so.1', 'libfoo.so')).toBe(1);
    expect(cmp('libfoo.so', 'libfoo.so.1')).toBe(-1);
    expect(cmp('libfoo.so.1', 'libfoo.so.1.0')).toBe(-1);
    expect(cmp('libz.so', 'liba.so')).toBe(1);
  });

  it("compares other bytes as x86's signed char", () => {
    expect(cmp('lib\u00e9.so', 'libz.so')).toBe(-1);
  });

  it('wraps numbers like a C int', () => {
    expect(cmp('libx.so.4294967297', 'libx.so.1')).toBe(0);
  });

  const name = fc
    .array(fc.oneof(fc.constantFrom('lib', 'a', 'b', '.so', '.', '-', '_'), fc.nat({ max: 99_999 }).map(String)), {
      maxLength: 8,
    })
    .map((parts) => parts.join(''));

  it('is a consistent order (reflexive, antisymmetric) for names with small numbers', () => {
    fc.assert(
      fc.property(name, name, (a, b) => {
        expect(cmp(a, a)).toBe(0);
        expect(cmp(a, b) + cmp(b, a)).toBe(0);
      }),
    );
  });
});

describe('sortCacheEntries', () => {
  const entry = (key: string, value: string, flags = 0x303): CacheEntry => ({ key, value, flags });

  it('sorts keys descending, higher flags first, and keeps the first added of equal entries first', () => {
    const sorted = sortCacheEntries([
      entry('liba.so.1', '/usr/local/lib/liba.so.1'),
      entry('libz.so.1', '/lib/libz.so.1'),
      entry('liba.so.1', '/lib/liba.so.1'),
      entry('liba.so.1', '/lib/i386/liba.so.1', 1),
      entry('liba.so.10', '/lib/liba.so.10'),
    ]);
    expect(sorted.map((e) => e.value)).toEqual([
      '/lib/libz.so.1',
      '/lib/liba.so.10',
      '/usr/local/lib/liba.so.1',
      '/lib/liba.so.1',
      '/lib/i386/liba.so.1',
    ]);
  });

  /** ld.so's lookup (dl-cache.c): binary search by libcmp, then the first equal key with acceptable flags. */
  const lookup = (entries: readonly CacheEntry[], name: string, flags: number): string | undefined => {
    const key = Buffer.from(name);
    let left = 0;
    let right = entries.length - 1;
    while (left <= right) {
      let middle = (left + right) >> 1;
      const c = libcmp(key, Buffer.from((entries[middle] as CacheEntry).key));
      if (c === 0) {
        while (middle > 0 && libcmp(key, Buffer.from((entries[middle - 1] as CacheEntry).key)) === 0) middle--;
        for (; middle <= right && libcmp(key, Buffer.from((entries[middle] as CacheEntry).key)) === 0; middle++) {
          if ((entries[middle] as CacheEntry).flags === flags) return (entries[middle] as CacheEntry).value;
        }
        return undefined;
      }
      if (c < 0) left = middle + 1;
      else right = middle - 1;
    }
    return undefined;
  };

  it('lets ld.so find every soname, at the directory scanned first', () => {
    const soname = fc
      .tuple(fc.constantFrom('liba', 'libb', 'libc', 'libssl', 'libz'), fc.array(fc.nat({ max: 30 }), { maxLength: 3 }))
      .map(([base, version]) => [`${base}.so`, ...version].join('.'));
    const added = fc.array(fc.tuple(soname, fc.constantFrom('/lib', '/usr/lib', '/usr/local/lib')), { maxLength: 40 });
    fc.assert(
      fc.property(added, (pairs) => {
        const entries = pairs.map(([key, dir]) => entry(key, `${dir}/${key}`));
        const sorted = sortCacheEntries(entries);
        for (const { key } of entries) {
          expect(lookup(sorted, key, 0x303)).toBe(entries.find((e) => e.key === key)?.value);
        }
      }),
    );
  });
});

describe('stringTable', () => {
  it('shares tails and ends every string with a NUL', () => {
    const table = stringTable(['/lib/libc.so.6', 'libc.so.6', 'c.so.6', '/lib/libm.so.6', 'libc.so.6']);
    expect(table.bytes.toString('latin1')).toBe('/lib/libm.so.6\0/lib/libc.so.6\0');
    expect(table.offset('libc.so.6')).toBe(20);
    expect(table.offset('c.so.6')).toBe(23);
  });

  it('holds every string at its offset, in no more space than without sharing', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'binary-ascii', maxLength: 12 }).filter((s) => !s.includes('\0'))),
        (values) => {
          const table = stringTable(values);
          for (const value of values) {
            const at = table.offset(value);
            expect(table.bytes.toString('utf8', at, table.bytes.indexOf(0, at))).toBe(value);
          }
          const distinct = [...new Set(values)];
          expect(table.bytes.length).toBeLessThanOrEqual(distinct.reduce((n, v) => n + Buffer.byteLength(v) + 1, 0));
        },
      ),
    );
  });
});

describe('encodeLdCache', () => {
  it('writes the header, entries, strings and generator where glibc expects them', () => {
    const entries = sortCacheEntries([
      { key: 'libz.so.1', value: '/usr/lib/libz.so.1', flags: 1 },
      { key: 'libc.so.6', value: '/lib/libc.so.6', flags: 3 },
    ]);
    const cache = encodeLdCache(entries, 'mkbundle test');
    expect(cache.toString('latin1', 0, 20)).toBe('glibc-ld.so.cache1.1');
    expect(cache.readUInt32LE(20)).toBe(2);
    expect(cache[28]).toBe(2);
    const extension = cache.readUInt32LE(32);
    expect(extension % 4).toBe(0);
    expect(extension).toBe((48 + 2 * 24 + cache.readUInt32LE(24) + 3) & ~3);
    expect(cache.readUInt32LE(extension)).toBe(0xeaa42174);
    expect(generatorOf(cache)).toBe('mkbundle test');
    expect(decodeEntries(cache)).toEqual([
      { flags: 1, key: 'libz.so.1', value: '/usr/lib/libz.so.1' },
      { flags: 3, key: 'libc.so.6', value: '/lib/libc.so.6' },
    ]);
  });

  it('writes an empty cache for no libraries', () => {
    const cache = encodeLdCache([], 'g');
    expect(cache.readUInt32LE(20)).toBe(0);
    expect(cache.readUInt32LE(24)).toBe(0);
    expect(cache.readUInt32LE(32)).toBe(48);
    expect(cache.length).toBe(48 + 24 + 1);
  });
});
