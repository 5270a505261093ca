import { createHash, type Hash } from 'node:crypto';
import { encodeGroups, normaliseSalt } from './crypt-base64.js';

export const MD5_SALT_MAX = 8;
const MAGIC = '$1$';
const ROUNDS = 1000;

/** Byte order of the final encoding in the FreeBSD algorithm. */
const MD5_GROUPS: readonly (readonly number[])[] = [[0, 6, 12], [1, 7, 13], [2, 8, 14], [3, 9, 15], [4, 10, 5], [11]];

/** FreeBSD MD5 crypt: `$1$salt$hash`, salt truncated to 8 characters. */
export function md5Crypt(password: string, salt: string): string {
  const s = normaliseSalt(salt, MD5_SALT_MAX);
  const digest = md5CryptDigest(Buffer.from(password, 'utf8'), Buffer.from(s, 'ascii'));
  return `${MAGIC}${s}$${encodeGroups(digest, MD5_GROUPS)}`;
}

function md5CryptDigest(p: Buffer, s: Buffer): Buffer {
  const alternate = md5().update(p).update(s).update(p).digest();

  const ctx = md5().update(p).update(MAGIC).update(s);
  for (let len = p.length; len > 0; len -= 16) ctx.update(alternate.subarray(0, Math.min(len, 16)));
  // The original clears `alternate` before this loop, so a set bit feeds a
  // NUL byte and a clear bit the password's first byte.
  for (let len = p.length; len > 0; len >>= 1) ctx.update(len & 1 ? NUL : p.subarray(0, 1));
  let f = ctx.digest();

  for (let i = 0; i < ROUNDS; i++) {
    const h = md5().update(i & 1 ? p : f);
    if (i % 3) h.update(s);
    if (i % 7) h.update(p);
    f = h.update(i & 1 ? f : p).digest();
  }
  return f;
}

const NUL = Buffer.alloc(1);

function md5(): Hash {
  return createHash('md5');
}
