/**
 * Text from a file, a server or the environment, single-quoted for a
 * one-line message: quotes, backslashes and anything that is not printable
 * on one line are escaped.
 */
export function quoted(text: string): string {
  const escaped = text.replace(/['\\\p{Cc}\p{Zl}\p{Zp}\p{Cs}]/gu, (char) => {
    if (char === "'" || char === '\\') return `\\${char}`;
    return `\\u{${(char.codePointAt(0) ?? 0).toString(16)}}`;
  });
  return `'${escaped}'`;
}
