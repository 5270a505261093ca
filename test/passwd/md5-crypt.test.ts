import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { md5Crypt } from '../../src/passwd/md5-crypt.js';

// glibc's md5c-test vector (salt truncated to 8) and vectors published with passlib's md5_crypt tests.
const VECTORS: readonly [password: string, salt: string, expected: string][] = [
  ['Hello world!', 'saltstring', '$1$saltstri$YMyguxXMBpd2TEZ.vS/3q1'],
  ['', 'dOHYPKoP', '$1$dOHYPKoP$tnxS1T8Q6VVn3kpV8cN6o.'],
  [' ', 'm/5ee7ol', '$1$m/5ee7ol$bZn0kIBFipq39e.KDXX8I0'],
  ['test', 'SuMrG47N', '$1$SuMrG47N$ymvzYjr7QcEQjaK5m1PGx1'],
  ['Compl3X AlphaNu3meric', 'nX1e7EeI', '$1$nX1e7EeI$ljQn72ZUgt6Wxd9hfvHdV0'],
  ['4lpHa N|_|M3r1K W/ Cur5Es: #$%(*)(*%#', 'jQS7o98J', '$1$jQS7o98J$V6iTcr71CGgwW2laf17pi1'],
];

describe('md5Crypt', () => {
  it.each(VECTORS)('hashes %j with salt %s', (password, salt, expected) => {
    expect(md5Crypt(password, salt)).toBe(expected);
  });

  it('handles an empty salt (value from openssl passwd -1)', () => {
    expect(md5Crypt('', '')).toBe('$1$$qRPK7m23GJusamGpoGLby/');
  });

  it('rejects salt characters outside the crypt alphabet', () => {
    expect(() => md5Crypt('pw', 'a$b')).toThrow(UsageError);
  });
});
