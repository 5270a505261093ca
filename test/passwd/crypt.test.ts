import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deriveSalt, hashPassword, parseHash, randomSalt, verifyPassword } from '../../src/passwd/crypt.js';
import { md5Crypt } from '../../src/passwd/md5-crypt.js';
import { sha512Crypt } from '../../src/passwd/sha512-crypt.js';
import { password, salt } from './arbitraries.js';

const SCHEMES = ['sha512', 'md5'] as const;
const FORMAT = {
  sha512: /^\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/,
  md5: /^\$1\$[./0-9A-Za-z]{8}\$[./0-9A-Za-z]{22}$/,
} as const;

describe('hashPassword', () => {
  it.each(SCHEMES)('uses a fresh full-length random salt by default (%s)', (scheme) => {
    const a = hashPassword('secret', scheme);
    const b = hashPassword('secret', scheme);
    expect(a).toMatch(FORMAT[scheme]);
    expect(b).toMatch(FORMAT[scheme]);
    expect(a).not.toBe(b);
  });

  it('is deterministic when given a salt', () => {
    expect(hashPassword('Hello world!', 'sha512', 'saltstring')).toBe(sha512Crypt('Hello world!', 'saltstring'));
    expect(hashPassword('Hello world!', 'md5', 'saltstring')).toBe('$1$saltstri$YMyguxXMBpd2TEZ.vS/3q1');
  });
});

describe('randomSalt', () => {
  it.each(SCHEMES)('yields valid salts of the full length (%s)', (scheme) => {
    const length = scheme === 'sha512' ? 16 : 8;
    expect(randomSalt(scheme)).toMatch(new RegExp(`^[./0-9A-Za-z]{${length}}$`));
  });
});

describe('deriveSalt', () => {
  it('maps any seed to a valid, stable salt of the full length', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.constantFrom(...SCHEMES), (seed, scheme) => {
        const s = deriveSalt(seed, scheme);
        expect(s).toMatch(scheme === 'sha512' ? /^[./0-9A-Za-z]{16}$/ : /^[./0-9A-Za-z]{8}$/);
        expect(deriveSalt(seed, scheme)).toBe(s);
        expect(hashPassword('pw', scheme, s)).toMatch(FORMAT[scheme]);
      }),
    );
  });

  it('separates different seeds', () => {
    const seeds = Array.from({ length: 200 }, (_, i) => `1700000000${i}`);
    expect(new Set(seeds.map((seed) => deriveSalt(seed, 'sha512'))).size).toBe(seeds.length);
  });
});

describe('parseHash', () => {
  it('reads the settings of both schemes', () => {
    expect(parseHash(sha512Crypt('x', 'abc'))).toEqual({ scheme: 'sha512', salt: 'abc', rounds: undefined });
    expect(parseHash(sha512Crypt('x', 'abc', 1234))).toEqual({ scheme: 'sha512', salt: 'abc', rounds: 1234 });
    expect(parseHash(md5Crypt('x', 'abc'))).toEqual({ scheme: 'md5', salt: 'abc' });
  });

  it.each(['', '!', '*', '!$6$abc$x', '$5$abc$x', '$6$abc', '$1$abc$tooshort', 'plain'])('rejects %j', (value) => {
    expect(parseHash(value)).toBeUndefined();
  });
});

describe('verifyPassword', () => {
  it('accepts the password a hash was made from and rejects any other', () => {
    fc.assert(
      fc.property(password, password, fc.constantFrom(...SCHEMES), salt(0, 16), (pw, other, scheme, s) => {
        const hash = hashPassword(pw, scheme, s);
        expect(verifyPassword(pw, hash)).toBe(true);
        expect(verifyPassword(other, hash)).toBe(other === pw);
      }),
      {
        numRuns: 30,
        examples: [
          ['', 'x', 'sha512', 'abc'],
          ['', ' ', 'md5', ''],
        ],
      },
    );
  });

  it('verifies hashes with explicit rounds, including clamped ones', () => {
    const clamped =
      '$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX.';
    expect(verifyPassword('the minimum number is still observed', clamped)).toBe(true);
    expect(verifyPassword('the minimum number is still observed', clamped.replace('=1000', '=10'))).toBe(false);
  });

  it.each(['', '!', '*', '!$1$saltstri$YMyguxXMBpd2TEZ.vS/3q1', '$1$saltstri$YMyguxXMBpd2TEZ.vS/3q2'])(
    'never accepts %j',
    (hash) => {
      expect(verifyPassword('Hello world!', hash)).toBe(false);
    },
  );
});
