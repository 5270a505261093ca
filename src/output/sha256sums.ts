/**
 * SHA256SUMS in the format of sha256sum(1), so that `sha256sum -c SHA256SUMS`
 * checks the outputs: `HASH  NAME` per line, and a name holding a backslash,
 * a newline or a carriage return escaped (`\\`, `\n`, `\r`) on a line that
 * starts with a backslash, as coreutils 9 writes them. Pure.
 */

export const SUMS_NAME = 'SHA256SUMS';

export interface Sum {
  /** The file's name in the directory of SHA256SUMS. */
  readonly name: string;
  readonly sha256: string;
}

const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r' };
const UNESCAPES: Readonly<Record<string, string>> = { '\\': '\\', n: '\n', r: '\r' };

/** One line, without its newline. */
export function formatSumLine(sum: Sum): string {
  const escaped = sum.name.replace(/[\\\n\r]/g, (c) => ESCAPES[c] ?? c);
  return `${escaped === sum.name ? '' : '\\'}${sum.sha256}  ${escaped}`;
}

/** GNU (`HASH  NAME`, `HASH *NAME`) and BSD (`SHA256 (NAME) = HASH`) lines, as `sha256sum -c` reads them. */
const GNU_LINE = /^(\\?)[0-9a-fA-F]{64} [ *](.+)$/s;
const BSD_LINE = /^(\\?)SHA256 \((.+)\) = [0-9a-fA-F]{64}$/s;

/** The file a line names, or undefined for a line sha256sum would not read as one. */
export function sumLineName(line: string): string | undefined {
  const match = GNU_LINE.exec(line) ?? BSD_LINE.exec(line);
  if (match?.[2] === undefined) return undefined;
  if (match[1] === '') return match[2];
  // Any other escape makes the line one sha256sum rejects: not a line of ours to match.
  let unknown = false;
  const name = match[2].replace(/\\(.?)/gs, (_, c: string) => {
    const char = UNESCAPES[c];
    if (char === undefined) unknown = true;
    return char ?? '';
  });
  return unknown ? undefined : name;
}

/**
 * The text of SHA256SUMS after recording `sums`: a line naming one of them
 * is replaced in place (a name given twice keeps the last), every other line
 * is kept as it was, and new names are added at the end in the order given.
 */
export function updateSums(text: string, sums: readonly Sum[]): string {
  const wanted = new Map(sums.map((sum) => [sum.name, sum]));
  const written = new Set<string>();
  const lines: string[] = [];
  for (const line of text === '' ? [] : text.replace(/\n$/, '').split('\n')) {
    const name = sumLineName(line);
    const sum = name === undefined ? undefined : wanted.get(name);
    if (sum === undefined) {
      lines.push(line);
    } else if (!written.has(sum.name)) {
      lines.push(formatSumLine(sum));
      written.add(sum.name);
    }
  }
  for (const sum of wanted.values()) if (!written.has(sum.name)) lines.push(formatSumLine(sum));
  return lines.map((line) => `${line}\n`).join('');
}
