import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError, UsageError } from '../../src/errors.js';
import { assertNoLogin, isLocked, passwordField, setTcPassword } from '../../src/passwd/shadow.js';
import { joinWith, lineEnding } from './arbitraries.js';

const FILE = 'etc/shadow';
const HASH = '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1';
const RAZOR_SHADOW = [
  'root:*:13525:0:99999:7:::',
  'lp:*:13510:0:99999:7:::',
  'nobody:*:13509:0:99999:7:::',
  'tc:$1$ocr2N6Ep$Y6dhDvkj3Dpl5YKyoIHgq1:13646:0:99999:7:::',
  '',
].join('\n');

describe('setTcPassword', () => {
  it('replaces only the tc password field', () => {
    expect(setTcPassword(RAZOR_SHADOW, HASH, FILE)).toBe(
      RAZOR_SHADOW.replace('tc:$1$ocr2N6Ep$Y6dhDvkj3Dpl5YKyoIHgq1:', `tc:${HASH}:`),
    );
  });

  it('handles a bare two-field entry, CRLF and no trailing newline', () => {
    expect(setTcPassword('root:*\r\ntc:', 'x', FILE)).toBe('root:*\r\ntc:x');
  });

  it('names the file when tc is missing, duplicated or malformed', () => {
    expect(() => setTcPassword('root:*:1:::\n', HASH, FILE)).toThrow(new InputError(`${FILE}: no entry for user tc`));
    expect(() => setTcPassword('tc:*\ntc:!\n', HASH, FILE)).toThrow(new InputError(`${FILE}: 2 entries for user tc`));
    expect(() => setTcPassword('tc\n', HASH, FILE)).toThrow(new InputError(`${FILE}: malformed entry for user tc`));
    expect(() => setTcPassword('', HASH, FILE)).toThrow(InputError);
  });

  it('does not mistake other users for tc', () => {
    expect(() => setTcPassword('tcx:*:1\n tc:*:1\n#tc:*:1\n', HASH, FILE)).toThrow(InputError);
  });

  it('refuses a hash that would break the line', () => {
    for (const bad of ['a:b', 'a\nb', 'a\rb']) expect(() => setTcPassword(RAZOR_SHADOW, bad, FILE)).toThrow(UsageError);
  });

  const otherLine = fc
    .string({ unit: 'binary', maxLength: 40 })
    .filter((line) => !line.includes('\n') && line.split(':')[0] !== 'tc');
  const field = fc.string({ unit: 'binary', maxLength: 20 }).filter((s) => !/[:\r\n]/.test(s));

  it('keeps every other byte of the file (property)', () => {
    fc.assert(
      fc.property(
        fc.array(otherLine, { maxLength: 8 }),
        fc.nat(),
        field,
        fc.array(field, { maxLength: 8 }),
        field,
        fc.array(lineEnding, { minLength: 1 }),
        fc.constantFrom('', '\n', '\r\n'),
        (others, at, oldHash, rest, newHash, eols, finalEol) => {
          const position = at % (others.length + 1);
          const withTc = (hash: string) => {
            const lines = [...others];
            lines.splice(position, 0, ['tc', hash, ...rest].join(':'));
            return joinWith(lines, eols, finalEol);
          };
          const result = setTcPassword(withTc(oldHash), newHash, FILE);
          expect(result).toBe(withTc(newHash));
          expect(passwordField(result, 'tc', FILE)).toBe(newHash);
          expect(setTcPassword(result, oldHash, FILE)).toBe(withTc(oldHash));
        },
      ),
    );
  });
});

describe('isLocked', () => {
  it.each(['!', '!!', '*', '*LK*', '!$1$saltstri$YMyguxXMBpd2TEZ.vS/3q1'])('treats %j as locked', (value) => {
    expect(isLocked(value)).toBe(true);
  });

  it.each(['', 'x', HASH])('treats %j as usable', (value) => {
    expect(isLocked(value)).toBe(false);
  });
});

describe('assertNoLogin', () => {
  it('accepts root and tc with locked or disabled fields', () => {
    expect(() => assertNoLogin('root:*:13525:0:99999:7:::\ntc:!:13646:0:99999:7:::\n', FILE)).not.toThrow();
    expect(() => assertNoLogin(`tc:!${HASH}:1\nroot:!:1\n`, FILE)).not.toThrow();
  });

  it('rejects a usable or empty password for either user', () => {
    expect(() => assertNoLogin(RAZOR_SHADOW, FILE)).toThrow(
      new InputError(`${FILE}: user tc can log in with a password; expected a locked field ('!' or '*')`),
    );
    expect(() => assertNoLogin('root::1\ntc:*:1\n', FILE)).toThrow(/user root can log in/);
  });

  it('rejects a file missing either user', () => {
    expect(() => assertNoLogin('tc:*:1\n', FILE)).toThrow(new InputError(`${FILE}: no entry for user root`));
    expect(() => assertNoLogin('root:*:1\n', FILE)).toThrow(new InputError(`${FILE}: no entry for user tc`));
  });
});
