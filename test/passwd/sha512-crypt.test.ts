import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { clampRounds, ROUNDS_MAX, ROUNDS_MIN, sha512Crypt } from '../../src/passwd/sha512-crypt.js';

// Test vectors from Ulrich Drepper, "Unix crypt using SHA-256 and SHA-512".
const VECTORS: readonly { salt: string; rounds?: number; password: string; expected: string }[] = [
  {
    salt: 'saltstring',
    password: 'Hello world!',
    expected: '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1',
  },
  {
    salt: 'saltstringsaltstring',
    rounds: 10000,
    password: 'Hello world!',
    expected:
      '$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.',
  },
  {
    salt: 'toolongsaltstring',
    rounds: 5000,
    password: 'This is just a test',
    expected:
      '$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0',
  },
  {
    salt: 'anotherlongsaltstring',
    rounds: 1400,
    password: 'a very much longer text to encrypt.  This one even stretches over morethan one line.',
    expected:
      '$6$rounds=1400$anotherlongsalts$POfYwTEok97VWcjxIiSOjiykti.o/pQs.wPvMxQ6Fm7I6IoYN3CmLs66x9t0oSwbtEW7o7UmJEiDwGqd8p4ur1',
  },
  {
    salt: 'short',
    rounds: 77777,
    password: 'we have a short salt string but not a short password',
    expected:
      '$6$rounds=77777$short$WuQyW2YR.hBNpjjRhpYD/ifIw05xdfeEyQoMxIXbkvr0gge1a1x3yRULJ5CCaUeOxFmtlcGZelFl5CxtgfiAc0',
  },
  {
    salt: 'asaltof16chars..',
    rounds: 123456,
    password: 'a short string',
    expected:
      '$6$rounds=123456$asaltof16chars..$BtCwjqMJGx5hrJhZywWvt0RLE8uZ4oPwcelCjmw2kSYu.Ec6ycULevoBK25fs2xXgMNrCzIMVcgEJAstJeonj1',
  },
  {
    salt: 'roundstoolow',
    rounds: 10,
    password: 'the minimum number is still observed',
    expected:
      '$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX.',
  },
];

describe('sha512Crypt', () => {
  it.each(VECTORS)('matches the spec vector for salt $salt, rounds $rounds', ({ salt, rounds, password, expected }) => {
    expect(sha512Crypt(password, salt, rounds)).toBe(expected);
  });

  it('writes rounds only when the caller gives them', () => {
    const implicit = sha512Crypt('pw', 'abc');
    const explicit = sha512Crypt('pw', 'abc', 5000);
    expect(implicit.startsWith('$6$abc$')).toBe(true);
    expect(explicit).toBe(`$6$rounds=5000$abc$${implicit.slice('$6$abc$'.length)}`);
  });

  it('accepts an empty salt and an empty password (values from Python crypt / libxcrypt)', () => {
    expect(sha512Crypt('', '.')).toBe(
      '$6$.$oXIbIADLqA1zhqIRxJ.RhU00mxJeOXPFLovSCwkGhXTXMOoFV/AWGl2yyKu4L4LEHnM/wSP8qb5Noqa4JrWrE1',
    );
    expect(sha512Crypt('abc', '')).toBe(
      '$6$$K7EQl9xnonG1x970hnNPqFQKlunsvbFHwzYLnbANzfHjxbphBMjLilW7SKO5EQOidBzcHseqkDOBCSPD8a3CR0',
    );
  });

  it('rejects salt characters outside the crypt alphabet', () => {
    expect(() => sha512Crypt('pw', 'ab$c')).toThrow(UsageError);
    expect(() => sha512Crypt('pw', 'ab:c')).toThrow(UsageError);
  });

  it('rejects non-integer rounds', () => {
    expect(() => sha512Crypt('pw', 'abc', 1000.5)).toThrow(UsageError);
    expect(() => sha512Crypt('pw', 'abc', Number.NaN)).toThrow(UsageError);
  });
});

describe('clampRounds', () => {
  it('clamps to the spec range', () => {
    expect(clampRounds(-1)).toBe(ROUNDS_MIN);
    expect(clampRounds(999)).toBe(1000);
    expect(clampRounds(1000)).toBe(1000);
    expect(clampRounds(999_999_999)).toBe(ROUNDS_MAX);
    expect(clampRounds(1_000_000_000)).toBe(999_999_999);
  });
});
