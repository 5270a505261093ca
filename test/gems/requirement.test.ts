import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import {
  ANY,
  formatRequirement,
  intersect,
  mentionsPrerelease,
  parseRequirement,
  satisfiedBy,
} from '../../src/gems/requirement.js';
import { bump, compareVersions, parseVersion, release, versionsEqual } from '../../src/gems/version.js';
import { operator, releaseText, versionText } from './arbitraries.js';

const sat = (requirement: string, version: string): boolean =>
  satisfiedBy(parseRequirement(requirement), parseVersion(version));

// [requirement, version, satisfied], from Gem::Requirement's OPS table.
const TABLE: [string, string, boolean][] = [
  ['~> 2.2', '2.2', true],
  ['~> 2.2', '2.9.9', true],
  ['~> 2.2', '2.10', true],
  ['~> 2.2', '3.0', false],
  ['~> 2.2', '2.1', false],
  ['~> 2.2', '3.0.a', false],
  ['~> 2.2', '2.2.a', false],
  ['~> 2.2.1', '2.2.1', true],
  ['~> 2.2.1', '2.2.9', true],
  ['~> 2.2.1', '2.2.10', true],
  ['~> 2.2.1', '2.3', false],
  ['~> 2.2.1', '2.2.0', false],
  ['~> 2.2.0', '2.2.5', true],
  ['~> 2.2.0', '2.3.0', false],
  ['~> 2', '2.0', true],
  ['~> 2', '2.99', true],
  ['~> 2', '3', false],
  ['~> 1.0.a', '1.0.a', true],
  ['~> 1.0.a', '1.9', true],
  ['~> 1.0.a', '2.0', false],
  ['!= 1.0', '1.0.0', false],
  ['!= 1.0', '1.1', true],
  ['= 1.0', '1.0.0', true],
  ['=1.0', '1.0', true],
  ['1.0', '1.0', true],
  ['1.0', '1.0.1', false],
  ['> 1.0', '1.0.0', false],
  ['> 1.0', '1.0.1', true],
  ['> 1.0', '1.0.a', false],
  ['< 1.0', '1.0.a', true],
  ['< 1.0', '0.9', true],
  ['< 1.0', '1.0', false],
  ['>= 1.7.7', '1.7.7', true],
  ['>= 1.7.7', '1.8', true],
  ['>= 1.7.7', '1.7.6', false],
  ['>= 1.7.7', '2.0.0.rc1', true],
  ['>=1.7.7', '1.7.7', true],
  ['<= 1.0', '1.0.0', true],
  ['<= 1.0', '1.0.0.1', false],
  ['< 3.0, >= 2.4.0', '2.4.0', true],
  ['< 3.0, >= 2.4.0', '2.9', true],
  ['< 3.0, >= 2.4.0', '3.0', false],
  ['< 3.0, >= 2.4.0', '2.3', false],
  ['< 3.0&>= 2.4.0', '2.4.1', true],
  ['< 3.0&>= 2.4.0', '3.0.0', false],
  ['>= 0', '0.a', false],
  ['>= 0.a', '0.a', true],
  ['> 1.0, != 1.5, < 2', '1.5.0', false],
  ['> 1.0, != 1.5, < 2', '1.6', true],
];

describe('Gem::Requirement satisfaction', () => {
  it.each(TABLE)('%s satisfied by %s: %s', (requirement, version, expected) => {
    expect(sat(requirement, version)).toBe(expected);
  });

  it('ANY accepts everything and prints as >= 0', () => {
    expect(satisfiedBy(ANY, parseVersion('0.0.0.a'))).toBe(true);
    expect(formatRequirement(ANY)).toBe('>= 0');
  });

  it('intersect ANDs', () => {
    const both = intersect(parseRequirement('>= 1.7.7'), parseRequirement('< 1.8'));
    expect(formatRequirement(both)).toBe('>= 1.7.7, < 1.8');
    expect(satisfiedBy(both, parseVersion('1.7.9'))).toBe(true);
    expect(satisfiedBy(both, parseVersion('1.8.0'))).toBe(false);
  });

  it('knows when it asks for a prerelease', () => {
    expect(mentionsPrerelease(parseRequirement('>= 2.0.0.rc1'))).toBe(true);
    expect(mentionsPrerelease(parseRequirement('> 1, < 2.a'))).toBe(true);
    expect(mentionsPrerelease(parseRequirement('>= 1.7.7'))).toBe(false);
  });
});

describe('parseRequirement', () => {
  it('reads operators, bare versions and both separators', () => {
    const parsed = parseRequirement(' ~>2.2 ,1.0&!= 1.0-1 ');
    expect(parsed.constraints.map((c) => [c.op, c.version.text])).toEqual([
      ['~>', '2.2'],
      ['=', '1.0'],
      ['!=', '1.0.pre.1'],
    ]);
  });

  it.each(['', ' ', '>>= 1', '~> ', '1.0 2.0', '= 1..0', '1.0,', ',1.0', '> a', '=> 1', '~ 1', '>= 1 &'])(
    'rejects %j with an InputError quoting it',
    (text) => {
      expect(() => parseRequirement(text)).toThrow(InputError);
      expect(() => parseRequirement(text)).toThrow(`malformed requirement '${text}'`);
    },
  );
});

describe('Gem::Requirement properties', () => {
  const clause = fc.tuple(operator, versionText).map(([op, version]) => `${op} ${version}`);

  it('format → parse round-trips', () => {
    fc.assert(
      fc.property(fc.array(clause, { minLength: 1, maxLength: 4 }), fc.constantFrom(', ', '&', ','), (clauses, sep) => {
        const parsed = parseRequirement(clauses.join(sep));
        expect(parseRequirement(formatRequirement(parsed))).toEqual(parsed);
      }),
    );
  });

  it('~> X is >= X and < bump(X) for releases, and compares the release of a prerelease', () => {
    fc.assert(
      fc.property(versionText, fc.oneof(versionText, releaseText), (x, candidate) => {
        const version = parseVersion(candidate);
        const upper = version.prerelease ? release(version) : version;
        const expected = sat(`>= ${x}`, candidate) && compareVersions(upper, bump(parseVersion(x))) < 0;
        expect(sat(`~> ${x}`, candidate)).toBe(expected);
        if (!version.prerelease)
          expect(sat(`~> ${x}`, candidate)).toBe(sat(`>= ${x}, < ${bump(parseVersion(x)).text}`, candidate));
      }),
    );
  });

  it('the comparison operators agree with compareVersions', () => {
    fc.assert(
      fc.property(versionText, versionText, (a, b) => {
        const order = compareVersions(parseVersion(b), parseVersion(a));
        expect(sat(`= ${a}`, b)).toBe(versionsEqual(parseVersion(a), parseVersion(b)));
        expect(sat(`!= ${a}`, b)).toBe(order !== 0);
        expect(sat(`> ${a}`, b)).toBe(order > 0);
        expect(sat(`< ${a}`, b)).toBe(order < 0);
        expect(sat(`>= ${a}`, b)).toBe(order >= 0);
        expect(sat(`<= ${a}`, b)).toBe(order <= 0);
        expect(sat(a, b)).toBe(sat(`= ${a}`, b));
      }),
    );
  });

  it('several clauses are their conjunction', () => {
    fc.assert(
      fc.property(clause, clause, versionText, (first, second, version) => {
        expect(sat(`${first}, ${second}`, version)).toBe(sat(first, version) && sat(second, version));
        expect(sat(`${first}&${second}`, version)).toBe(sat(`${first}, ${second}`, version));
      }),
    );
  });
});
