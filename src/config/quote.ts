/**
 * How messages show text that came from a file, a server, an archive, a
 * tool or the environment: the one place that decides what reaches the
 * user's terminal.
 */

/** The most characters of content a message quotes; longer content is cut and marked with `…`. */
export const QUOTE_LIMIT = 120;

/**
 * What a terminal could act on or a reader could not see: C0, DEL and C1
 * controls, format characters (bidi overrides and isolates, zero-width
 * characters, BOM), lone surrogates, private-use and unassigned code points,
 * line and paragraph separators.
 */
const UNSAFE = /[\p{C}\p{Zl}\p{Zp}]/u;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'gu');

const hex = (n: number) => n.toString(16);

/** One code point as a message shows it. */
function shown(char: string, quote: boolean): string {
  if (quote && (char === "'" || char === '\\')) return `\\${char}`;
  return UNSAFE.test(char) ? `\\u{${hex(char.codePointAt(0) ?? 0)}}` : char;
}

/** The length of the well-formed UTF-8 sequence at `at` (RFC 3629: no overlongs, no surrogates), 0 if there is none. */
function sequenceLength(bytes: Uint8Array, at: number): number {
  const lead = bytes[at] ?? 0;
  const cont = (i: number, low = 0x80, high = 0xbf) => {
    const b = bytes[at + i];
    return b !== undefined && b >= low && b <= high;
  };
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return cont(1) ? 2 : 0;
  if (lead >= 0xe0 && lead <= 0xef) {
    const [low, high] = lead === 0xe0 ? [0xa0, 0xbf] : lead === 0xed ? [0x80, 0x9f] : [0x80, 0xbf];
    return cont(1, low, high) && cont(2) ? 3 : 0;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    const [low, high] = lead === 0xf0 ? [0x90, 0xbf] : lead === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    return cont(1, low, high) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The content's code points as shown, lazily (a 1 MB line is never walked to its end). */
function* pieces(content: string | Uint8Array): Generator<string> {
  if (typeof content === 'string') {
    for (const char of content) yield shown(char, true);
    return;
  }
  for (let at = 0; at < content.length; ) {
    const length = sequenceLength(content, at);
    if (length === 0) {
      yield `\\x${hex(content[at] ?? 0).padStart(2, '0')}`;
      at += 1;
    } else {
      yield shown(utf8.decode(content.subarray(at, at + length)), true);
      at += length;
    }
  }
}

/**
 * Content single-quoted for a one-line message. `'` and `\` are escaped
 * with a backslash, unsafe code points as `\u{HEX}` and, when the content
 * is bytes, bytes that are not UTF-8 as `\xHH`, so different contents stay
 * different. At most `limit` characters appear between the quotes; cut
 * content has `…` after the closing quote.
 */
export function quoted(content: string | Uint8Array, limit = QUOTE_LIMIT): string {
  let out = '';
  let used = 0;
  for (const piece of pieces(content)) {
    const size = piece.startsWith('\\') ? piece.length : 1;
    if (used + size > limit) return `'${out}'…`;
    out += piece;
    used += size;
  }
  return `'${out}'`;
}

/** Whether `text` holds nothing that quoted() would escape as unsafe. */
export function printable(text: string): boolean {
  for (const char of text) if (UNSAFE.test(char)) return false;
  return true;
}

/**
 * `text` with unsafe code points escaped as `\u{HEX}` and nothing else
 * changed: the last guard where a whole message is written, for text no
 * call site quoted (a library's own error message).
 */
export function escapeUnsafe(text: string): string {
  let out = '';
  for (const char of text) out += shown(char, false);
  return out;
}

/**
 * JSON.stringify with every unsafe code point written as `\uXXXX` escapes:
 * the same value to a JSON reader, nothing a terminal acts on when printed.
 * (Outside strings JSON has only ASCII punctuation, spaces and newlines.)
 */
export function jsonText(value: unknown, indent?: number): string {
  const unit = (code: number) => `\\u${hex(code).padStart(4, '0')}`;
  // A raw newline is the indentation's: JSON.stringify escapes those inside strings itself.
  return JSON.stringify(value, null, indent).replace(UNSAFE_ALL, (char) =>
    char === '\n' ? char : [...Array(char.length).keys()].map((i) => unit(char.charCodeAt(i))).join(''),
  );
}
