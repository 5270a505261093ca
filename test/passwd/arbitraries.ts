import fc from 'fast-check';
import { CRYPT_ALPHABET } from '../../src/passwd/crypt-base64.js';

/** Any Unicode password a C peer can take through argv (no NUL), long enough to cross digest-block boundaries. */
export const password = fc
  .oneof(
    fc.string({ unit: 'binary', maxLength: 80 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.string({ unit: 'binary-ascii', maxLength: 150 }),
  )
  .map((s) => s.replaceAll('\0', ''));

export const salt = (minLength: number, maxLength: number) =>
  fc.string({ unit: fc.constantFrom(...CRYPT_ALPHABET), minLength, maxLength });

export const lineEnding = fc.constantFrom('\n', '\r\n');

/** Joins lines with the given endings; the last line gets `finalEol` ('' for no trailing newline). */
export function joinWith(lines: readonly string[], eols: readonly string[], finalEol: string): string {
  return lines.map((line, i) => line + (i === lines.length - 1 ? finalEol : (eols[i % eols.length] ?? '\n'))).join('');
}
