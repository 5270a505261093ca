import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { bytesToSalt } from './crypt-base64.js';
import { MD5_SALT_MAX, md5Crypt } from './md5-crypt.js';
import { SHA512_SALT_MAX, sha512Crypt } from './sha512-crypt.js';

export type CryptScheme = 'sha512' | 'md5';

export type ParsedHash =
  | { readonly scheme: 'sha512'; readonly salt: string; readonly rounds: number | undefined }
  | { readonly scheme: 'md5'; readonly salt: string };

const SALT_LENGTH: Readonly<Record<CryptScheme, number>> = { sha512: SHA512_SALT_MAX, md5: MD5_SALT_MAX };

/** Hashes with the given salt, or a fresh random full-length one. */
export function hashPassword(password: string, scheme: CryptScheme, salt: string = randomSalt(scheme)): string {
  return scheme === 'sha512' ? sha512Crypt(password, salt) : md5Crypt(password, salt);
}

export function randomSalt(scheme: CryptScheme): string {
  const length = SALT_LENGTH[scheme];
  return bytesToSalt(randomBytes(length), length);
}

/**
 * A full-length salt that is a pure function of `seed`, for reproducible
 * builds. The salt is a fast SHA-256 of the seed, so a seed containing the
 * password lets anyone who reads the salt test guesses without paying for
 * the crypt rounds.
 */
export function deriveSalt(seed: string, scheme: CryptScheme): string {
  const digest = createHash('sha256').update('mkbundle-passwd-salt\0').update(seed, 'utf8').digest();
  return bytesToSalt(digest, SALT_LENGTH[scheme]);
}

const SHA512_HASH = /^\$6\$(?:rounds=([0-9]{1,10})\$)?([./0-9A-Za-z]{0,16})\$[./0-9A-Za-z]{86}$/;
const MD5_HASH = /^\$1\$([./0-9A-Za-z]{0,8})\$[./0-9A-Za-z]{22}$/;

/** The settings of a `$6$` or `$1$` hash; undefined for anything else (locked fields, other schemes). */
export function parseHash(hash: string): ParsedHash | undefined {
  const sha = SHA512_HASH.exec(hash);
  if (sha) return { scheme: 'sha512', salt: sha[2] ?? '', rounds: sha[1] === undefined ? undefined : Number(sha[1]) };
  const md5 = MD5_HASH.exec(hash);
  if (md5) return { scheme: 'md5', salt: md5[1] ?? '' };
  return undefined;
}

/** True when `hash` is a `$6$`/`$1$` hash of `password`; false for every other string. */
export function verifyPassword(password: string, hash: string): boolean {
  const parsed = parseHash(hash);
  if (parsed === undefined) return false;
  const actual = Buffer.from(
    parsed.scheme === 'sha512' ? sha512Crypt(password, parsed.salt, parsed.rounds) : md5Crypt(password, parsed.salt),
  );
  const expected = Buffer.from(hash);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
