import { expect } from 'vitest';

/**
 * What must never reach a terminal from mkbundle's output, by code unit:
 * C0 controls but the newline (ESC, BEL, CR among them), DEL, C1 controls,
 * the bidi marks, embeddings, overrides and isolates, line and paragraph
 * separators, and surrogates (a well-formed pair is checked as a pair).
 * Listed by range rather than by Unicode property, to check quoted() against
 * something it does not use itself.
 */
const FORBIDDEN: readonly (readonly [number, number])[] = [
  [0x00, 0x09],
  [0x0b, 0x1f],
  [0x7f, 0x9f],
  [0x061c, 0x061c],
  [0x200e, 0x200f],
  [0x2028, 0x202e],
  [0x2066, 0x2069],
  [0xfeff, 0xfeff],
];

/** The first forbidden code point in `text`, as `U+XXXX at N`, or undefined. */
export function firstUnsafe(text: string): string | undefined {
  let index = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    const lone = char.length === 1 && code >= 0xd800 && code <= 0xdfff;
    if (lone || FORBIDDEN.some(([low, high]) => code >= low && code <= high)) {
      return `U+${code.toString(16).toUpperCase().padStart(4, '0')} at ${index}`;
    }
    index += char.length;
  }
  return undefined;
}

/** Fails the test when `text` (stderr, stdout) holds anything a terminal could act on. */
export function expectTerminalSafe(text: string): void {
  expect(firstUnsafe(text), JSON.stringify(text.slice(0, 400))).toBeUndefined();
}
