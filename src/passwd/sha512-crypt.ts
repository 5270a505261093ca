import { createHash, type Hash } from 'node:crypto';
import { UsageError } from '../errors.js';
import { encodeGroups, normaliseSalt } from './crypt-base64.js';

/** Limits from Drepper's "Unix crypt using SHA-256 and SHA-512". */
export const SHA512_SALT_MAX = 16;
export const ROUNDS_DEFAULT = 5000;
export const ROUNDS_MIN = 1000;
export const ROUNDS_MAX = 999_999_999;

/** Byte order of the final encoding: triples (k, k+21, k+42) rotated by k mod 3, then byte 63 alone. */
const SHA512_GROUPS: readonly (readonly number[])[] = [
  [0, 21, 42],
  [22, 43, 1],
  [44, 2, 23],
  [3, 24, 45],
  [25, 46, 4],
  [47, 5, 26],
  [6, 27, 48],
  [28, 49, 7],
  [50, 8, 29],
  [9, 30, 51],
  [31, 52, 10],
  [53, 11, 32],
  [12, 33, 54],
  [34, 55, 13],
  [56, 14, 35],
  [15, 36, 57],
  [37, 58, 16],
  [59, 17, 38],
  [18, 39, 60],
  [40, 61, 19],
  [62, 20, 41],
  [63],
];

/** Out-of-range round counts are clamped, not rejected, as the spec requires. */
export function clampRounds(rounds: number): number {
  if (!Number.isInteger(rounds)) throw new UsageError(`invalid SHA-512 crypt rounds ${rounds}: must be an integer`);
  return Math.min(ROUNDS_MAX, Math.max(ROUNDS_MIN, rounds));
}

/**
 * SHA-512 crypt: `$6$[rounds=N$]salt$hash`. `rounds` is written only when
 * the caller gives it (even if it equals the default), like glibc does.
 */
export function sha512Crypt(password: string, salt: string, rounds?: number): string {
  const s = normaliseSalt(salt, SHA512_SALT_MAX);
  const n = rounds === undefined ? ROUNDS_DEFAULT : clampRounds(rounds);
  const digest = sha512CryptDigest(Buffer.from(password, 'utf8'), Buffer.from(s, 'ascii'), n);
  const prefix = rounds === undefined ? '$6$' : `$6$rounds=${n}$`;
  return `${prefix}${s}$${encodeGroups(digest, SHA512_GROUPS)}`;
}

function sha512CryptDigest(p: Buffer, s: Buffer, rounds: number): Buffer {
  const b = sha512().update(p).update(s).update(p).digest();

  const a = sha512().update(p).update(s).update(cycle(b, p.length));
  // Walk the bits of the password length, low bit first.
  for (let len = p.length; len > 0; len >>= 1) a.update(len & 1 ? b : p);
  let c = a.digest();

  const dp = repeatedDigest(p, p.length);
  const pSeq = cycle(dp, p.length);
  const ds = repeatedDigest(s, 16 + c.readUInt8(0));
  const sSeq = cycle(ds, s.length);

  for (let i = 0; i < rounds; i++) {
    const h = sha512().update(i & 1 ? pSeq : c);
    if (i % 3) h.update(sSeq);
    if (i % 7) h.update(pSeq);
    c = h.update(i & 1 ? c : pSeq).digest();
  }
  return c;
}

function sha512(): Hash {
  return createHash('sha512');
}

function repeatedDigest(data: Buffer, times: number): Buffer {
  const h = sha512();
  for (let i = 0; i < times; i++) h.update(data);
  return h.digest();
}

/** `block` repeated and cut to `length` bytes (`block` is a non-empty digest). */
function cycle(block: Buffer, length: number): Buffer {
  return Buffer.alloc(length, block);
}
