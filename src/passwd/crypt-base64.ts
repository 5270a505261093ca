import { quoted } from '../config/quote.js';
import { UsageError } from '../errors.js';

/** The crypt(3) base-64 alphabet: same 64 symbols as RFC 4648, different order. */
export const CRYPT_ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

const SALT_PATTERN = /^[./0-9A-Za-z]*$/;

/**
 * Encodes a digest the way the crypt schemes do: each group lists digest
 * byte indices, most significant first, and is emitted least significant
 * six bits first, ceil(8n/6) characters for n bytes.
 */
export function encodeGroups(digest: Buffer, groups: readonly (readonly number[])[]): string {
  let out = '';
  for (const group of groups) {
    let word = 0;
    for (const index of group) word = word * 256 + digest.readUInt8(index);
    for (let chars = Math.ceil((group.length * 8) / 6); chars > 0; chars--) {
      out += CRYPT_ALPHABET.charAt(word % 64);
      word = Math.floor(word / 64);
    }
  }
  return out;
}

/** Maps bytes to salt characters; 256 is a multiple of 64, so `& 63` is unbiased. */
export function bytesToSalt(bytes: Buffer, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += CRYPT_ALPHABET.charAt(bytes.readUInt8(i) & 63);
  return out;
}

/**
 * Truncates a salt to the scheme's maximum (both specs silently ignore the
 * excess) and rejects characters outside the alphabet: `$` or `:` would
 * corrupt the hash string or the shadow line it lands in.
 */
export function normaliseSalt(salt: string, maxLength: number): string {
  if (!SALT_PATTERN.test(salt)) {
    throw new UsageError(`invalid password salt ${quoted(salt)}: use only the characters [./0-9A-Za-z]`);
  }
  return salt.slice(0, maxLength);
}
