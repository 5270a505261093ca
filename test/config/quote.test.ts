import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeUnsafe, jsonText, printable, QUOTE_LIMIT, quoted } from '../../src/config/quote.js';
import { firstUnsafe } from '../helpers/terminal.js';

/** Reads quoted()'s output back: the content between the quotes, and whether it was cut. */
function unquote(shown: string): { pieces: (string | number)[]; cut: boolean } {
  const cut = shown.endsWith("'…");
  const inner = shown.slice(1, cut ? -2 : -1);
  expect(shown[0]).toBe("'");
  const pieces: (string | number)[] = [];
  const token = /\\u\{([0-9a-f]+)\}|\\x([0-9a-f]{2})|\\(['\\])|([^\\'])/suy;
  let at = 0;
  while (at < inner.length) {
    token.lastIndex = at;
    const match = token.exec(inner);
    if (match === null) throw new Error(`not quoted()'s output: ${JSON.stringify(shown)} at ${at}`);
    const [all, code, byte, escaped, plain] = match;
    if (code !== undefined) {
      const n = Number.parseInt(code, 16);
      pieces.push(n >= 0xd800 && n <= 0xdfff ? String.fromCharCode(n) : String.fromCodePoint(n));
    } else if (byte !== undefined) pieces.push(Number.parseInt(byte, 16));
    else pieces.push(escaped ?? plain ?? '');
    at += all.length;
  }
  return { pieces, cut };
}

const asText = (pieces: (string | number)[]) => pieces.map((p) => (typeof p === 'number' ? '' : p)).join('');
const asBytes = (pieces: (string | number)[]) =>
  Buffer.concat(pieces.map((p) => (typeof p === 'number' ? Buffer.from([p]) : Buffer.from(p, 'utf8'))));

/** Any UTF-16 text, lone surrogates included, rich in what a terminal acts on. */
const hostileText = fc
  .array(
    fc.oneof(
      fc
        .integer({ min: 0, max: 0x10ffff })
        .map((n) => (n <= 0xffff ? String.fromCharCode(n) : String.fromCodePoint(n))),
      fc.constantFrom('\x1b]0;pwned\x07', '\x1b[2J', '\r', '\n', '\u202e', '\u2066', '\u009b', '\u2028', "'", '\\'),
      fc.string(),
    ),
    { maxLength: 80 },
  )
  .map((parts) => parts.join(''));

describe('quoted', () => {
  it('escapes quotes, backslashes and what a terminal would act on', () => {
    expect(quoted("it's")).toBe("'it\\'s'");
    expect(quoted('a\\b')).toBe("'a\\\\b'");
    expect(quoted('\x1b]0;pwned\x07')).toBe("'\\u{1b}]0;pwned\\u{7}'");
    expect(quoted('ok\rforged')).toBe("'ok\\u{d}forged'");
    expect(quoted('\u202eevil\u2069 \u0085 \u009b \u2028 \ufeff \ud800')).toBe(
      "'\\u{202e}evil\\u{2069} \\u{85} \\u{9b} \\u{2028} \\u{feff} \\u{d800}'",
    );
    expect(quoted('grüße 😀 日本')).toBe("'grüße 😀 日本'");
    expect(quoted('')).toBe("''");
  });

  it('shows bytes that are not UTF-8 as \\xHH and decodes the rest', () => {
    const bytes = Buffer.from([
      0x61, 0xff, 0xc2, 0x9b, 0xe2, 0x80, 0xae, 0xed, 0xa0, 0x80, 0xc0, 0xaf, 0xf0, 0x9f, 0x98,
    ]);
    expect(quoted(bytes)).toBe("'a\\xff\\u{9b}\\u{202e}\\xed\\xa0\\x80\\xc0\\xaf\\xf0\\x9f\\x98'");
    expect(quoted(Buffer.from('grüße 😀', 'utf8'))).toBe("'grüße 😀'");
  });

  it('cuts long content and says so after the closing quote', () => {
    const long = quoted('x'.repeat(1_000_000));
    expect(long).toBe(`'${'x'.repeat(QUOTE_LIMIT)}'…`);
    expect(quoted('x'.repeat(QUOTE_LIMIT))).toBe(`'${'x'.repeat(QUOTE_LIMIT)}'`);
    // An escape is never split.
    expect(quoted(`${'x'.repeat(QUOTE_LIMIT - 3)}\x1b`)).toBe(`'${'x'.repeat(QUOTE_LIMIT - 3)}'…`);
    expect(quoted('abcdef', 3)).toBe("'abc'…");
  });

  it('never lets an unsafe character through, from text or bytes', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        expect(firstUnsafe(quoted(text))).toBeUndefined();
        expect(firstUnsafe(escapeUnsafe(text))).toBeUndefined();
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(firstUnsafe(quoted(bytes))).toBeUndefined();
      }),
    );
  });

  it('is reversible: what fits reads back to the content, what is cut to a prefix of it', () => {
    fc.assert(
      fc.property(hostileText, fc.integer({ min: 0, max: 200 }), (text, limit) => {
        const { pieces, cut } = unquote(quoted(text, limit));
        const back = asText(pieces);
        if (cut) expect(text.startsWith(back) && back.length < text.length).toBe(true);
        else expect(back).toBe(text);
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const { pieces, cut } = unquote(quoted(bytes, 1000));
        expect(cut).toBe(false);
        expect(asBytes(pieces).equals(Buffer.from(bytes))).toBe(true);
      }),
    );
  });

  it('keeps different contents different', () => {
    fc.assert(
      fc.property(hostileText, hostileText, (a, b) => {
        fc.pre(a !== b);
        expect(quoted(a, 10_000)).not.toBe(quoted(b, 10_000));
      }),
    );
  });

  it('is bounded: at most limit characters between the quotes, whatever the content', () => {
    fc.assert(
      fc.property(fc.oneof(hostileText, fc.uint8Array({ maxLength: 400 })), fc.nat(150), (content, limit) => {
        const shown = quoted(content, limit);
        expect([...shown].length).toBeLessThanOrEqual(limit + 3);
      }),
    );
    expect(quoted('\u202e'.repeat(100_000)).length).toBeLessThanOrEqual(QUOTE_LIMIT + 3);
  });
});

describe('printable and escapeUnsafe', () => {
  it('agree with quoted() about what is unsafe', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        const plain = text.replaceAll('\\', '\\\\').replaceAll("'", "\\'");
        expect(printable(text)).toBe(quoted(text, 10_000) === `'${plain}'`);
        expect(escapeUnsafe(text) === text).toBe(printable(text));
      }),
    );
  });
});

describe('jsonText', () => {
  it('is the same JSON value, with nothing a terminal acts on', () => {
    fc.assert(
      fc.property(fc.dictionary(hostileText, fc.oneof(hostileText, fc.array(hostileText), fc.integer())), (value) => {
        for (const indent of [undefined, 2]) {
          const text = jsonText(value, indent);
          expect(firstUnsafe(text.replaceAll('\n', ''))).toBeUndefined();
          expect(JSON.parse(text)).toEqual(value);
        }
      }),
    );
    expect(jsonText({ a: '\u202e\u009b\u{e0001}' })).toBe('{"a":"\\u202e\\u009b\\udb40\\udc01"}');
  });
});
