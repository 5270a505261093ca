import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quoted } from '../../src/config/quote.js';
import { InputError } from '../../src/errors.js';
import { bump, compareVersions, isVersion, parseVersion, release, versionsEqual } from '../../src/gems/version.js';
import { releaseText, versionText } from './arbitraries.js';

const v = parseVersion;
const cmp = (a: string, b: string): number => compareVersions(v(a), v(b));

// [left, '<' | '=' | '>', right], from Gem::Version's semantics (test_gem_version.rb and version.rb).
const COMPARISONS: [string, '<' | '=' | '>', string][] = [
  ['1.0', '=', '1.0.0'],
  ['1', '=', '1.0'],
  ['1.0.0', '=', '1'],
  ['', '=', '0'],
  [' 1.0 ', '=', '1.0'],
  ['1.01', '=', '1.1'],
  ['1.0.0a1', '=', '1.0.0.a.1'],
  ['1.0.rc1', '=', '1.0.0.rc1'],
  ['1.a', '=', '1.0.a'],
  ['0.beta.1', '=', '0.0.beta.1'],
  ['1.0.0.a.1.0', '=', '1.0.0.a.1'],
  ['1.0.0.a.0', '=', '1.0.0.a'],
  ['1.0-1', '=', '1.0.pre.1'],
  ['1.8.2', '>', '0.0.0'],
  ['1.8.2', '>', '1.8'],
  ['1.8.2', '>', '1.8.1'],
  ['1.8.2', '<', '1.8.3'],
  ['1.8.2', '<', '1.9'],
  ['1.8.2', '<', '2.0'],
  ['1.10', '>', '1.9'],
  ['9', '<', '10'],
  ['10.0', '>', '9.99'],
  ['2', '>', '1.99.99'],
  ['1.2.3.4', '>', '1.2.3'],
  ['1.0.0.0.0.1', '>', '1'],
  ['1.0.a', '<', '1.0'],
  ['1.8.2.a', '<', '1.8.2'],
  ['1.0.0.rc1', '<', '1.0.0'],
  ['2.0.0.pre', '<', '2.0.0'],
  ['1.0.pre', '<', '1.0.0'],
  ['1.0-1', '<', '1.0'],
  ['1.0.b1', '>', '1.0.a2'],
  ['1.8.2.b', '>', '1.8.2.a'],
  ['1.8.2.a10', '>', '1.8.2.a9'],
  ['2.0.0.pre', '<', '2.0.0.rc1'],
  ['1.2.b', '>', '1.2.a.1'],
  ['1.0.A', '<', '1.0.a'],
  ['5.a', '<', '5.0.0.rc2'],
  ['5.x', '>', '5.0.0.rc2'],
  ['0.0.beta', '<', '0.0.beta.1'],
  ['0.0.beta', '<', '0.beta.1'],
  ['0.a', '<', '0'],
  ['3.0.a', '<', '3'],
  ['3.0.a', '>', '2.9.9'],
  ['1.a.0.1', '>', '1.a'],
  ['1.a.0.b', '<', '1.a'],
  ['1.0.0.rc1', '>', '0.9.9'],
  ['20230101120000.1', '>', '20230101120000'],
  ['18446744073709551616', '>', '18446744073709551615'],
  ['9007199254740993', '>', '9007199254740992'],
];

describe('Gem::Version comparison', () => {
  it.each(COMPARISONS)('%s %s %s', (left, relation, right) => {
    const expected = { '<': -1, '=': 0, '>': 1 }[relation];
    expect(cmp(left, right)).toBe(expected);
    expect(cmp(right, left)).toBe(negate(expected));
    expect(versionsEqual(v(left), v(right))).toBe(relation === '=');
  });
});

describe('parseVersion', () => {
  it.each(['', '   ', '1', '0', '1.0.a', '1.0-beta', '1.0-x-y.2', '01', ' 1.0\n', '1.0.0a1', '1.0.0.RC1'])(
    'accepts %j',
    (text) => {
      expect(isVersion(text)).toBe(true);
      expect(() => parseVersion(text)).not.toThrow();
    },
  );

  it.each([
    'a',
    '1..0',
    '.1',
    '1.',
    '1.0-',
    '1 0',
    'junk',
    '1.0\n2.0',
    '-1',
    '1.0.a_b',
    '1.0-1_2',
    'v1.0',
    '1a',
    '1.0\u00a0',
  ])('rejects %j with an InputError naming it', (text) => {
    expect(isVersion(text)).toBe(false);
    expect(() => parseVersion(text)).toThrow(InputError);
    expect(() => parseVersion(text)).toThrow(`malformed version ${quoted(text)}`);
  });

  it('normalises text like RubyGems', () => {
    expect(v(' 1.0-beta.2 ').text).toBe('1.0.pre.beta.2');
    expect(v('').text).toBe('0');
    expect(v('1.0.0a1').segments).toEqual([1n, 0n, 0n, 'a', 1n]);
    expect(v('1.0-1').segments).toEqual([1n, 0n, 'pre', 1n]);
  });

  it('keeps the release and prerelease parts apart when dropping zeros', () => {
    expect(v('1.0.0.a.0.1.0').canonical).toEqual([1n, 'a', 0n, 1n]);
    expect(v('0.0.a').canonical).toEqual(['a']);
    expect(v('1.0.0').canonical).toEqual([1n]);
  });

  it('calls any letter a prerelease', () => {
    expect(v('1.0.0.rc1').prerelease).toBe(true);
    expect(v('1.0.0a').prerelease).toBe(true);
    expect(v('1.0-1').prerelease).toBe(true);
    expect(v('1.0.0').prerelease).toBe(false);
  });
});

describe('release and bump', () => {
  it.each([
    ['1.2.0.a', '1.2.0'],
    ['1.1.rc10', '1.1'],
    ['1.9.3.alpha.5', '1.9.3'],
    ['1.0.0a1', '1.0.0'],
    ['1.9.3', '1.9.3'],
    ['1.0-1', '1.0'],
  ])('release(%s) = %s', (text, expected) => {
    expect(release(v(text)).text).toBe(expected);
  });

  it.each([
    ['5.2.4', '5.3'],
    ['5.2', '6'],
    ['5', '6'],
    ['5.0.0', '5.1'],
    ['5.2.4.a', '5.3'],
    ['5.2.4.a10', '5.3'],
    ['5.2.a', '6'],
    ['0', '1'],
    ['9007199254740993.1', '9007199254740994'],
  ])('bump(%s) = %s', (text, expected) => {
    expect(bump(v(text)).text).toBe(expected);
  });
});

describe('Gem::Version properties', () => {
  it('comparison is antisymmetric and 0 exactly when the canonical segments match', () => {
    fc.assert(
      fc.property(versionText, versionText, (a, b) => {
        const [x, y] = [v(a), v(b)];
        expect(compareVersions(x, y)).toBe(negate(compareVersions(y, x)));
        expect(compareVersions(x, x)).toBe(0);
        expect(compareVersions(x, y) === 0).toBe(JSON.stringify(x.canonical, big) === JSON.stringify(y.canonical, big));
      }),
    );
  });

  it('comparison is transitive: a sorted list is ordered pairwise', () => {
    fc.assert(
      fc.property(fc.array(versionText, { minLength: 3, maxLength: 12 }), (texts) => {
        const sorted = texts.map((text) => v(text)).sort(compareVersions);
        sorted.forEach((a, i) => {
          for (const b of sorted.slice(i + 1)) expect(compareVersions(a, b)).toBeLessThanOrEqual(0);
        });
      }),
    );
  });

  it('agrees with zero-padded numeric comparison on releases', () => {
    fc.assert(
      fc.property(releaseText, releaseText, (a, b) => {
        const numbers = (t: string): bigint[] => t.split('.').map(BigInt);
        const [x, y] = [numbers(a), numbers(b)];
        let expected = 0;
        for (let i = 0; i < Math.max(x.length, y.length) && expected === 0; i++) {
          const [l, r] = [x[i] ?? 0n, y[i] ?? 0n];
          expected = l < r ? -1 : l > r ? 1 : 0;
        }
        expect(cmp(a, b)).toBe(expected);
      }),
    );
  });

  it('round-trips: parse(toString(parse(s))) is the same version', () => {
    fc.assert(
      fc.property(versionText, fc.constantFrom('', ' ', '\t', '\n'), (text, pad) => {
        const once = v(`${pad}${text}${pad}`);
        const twice = v(once.text);
        expect(twice).toEqual(once);
      }),
    );
  });

  it('appending .0 does not change equality', () => {
    fc.assert(
      fc.property(versionText, (text) => {
        expect(versionsEqual(v(text), v(`${text}.0`))).toBe(true);
        expect(versionsEqual(v(text), v(`${text}.1`))).toBe(false);
      }),
    );
  });

  it('a prerelease sorts before its release, and bump is a release above both', () => {
    fc.assert(
      fc.property(versionText, (text) => {
        const version = v(text);
        const r = release(version);
        expect(r.prerelease).toBe(false);
        expect(compareVersions(version, r)).toBe(version.prerelease ? -1 : 0);
        expect(bump(version).prerelease).toBe(false);
        expect(compareVersions(bump(version), r)).toBe(1);
      }),
    );
  });
});

/** -n without producing -0, which toBe tells apart from 0. */
function negate(n: number): number {
  return n === 0 ? 0 : -n;
}

function big(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `${value}n` : value;
}
