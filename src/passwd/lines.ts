export interface Line {
  readonly text: string;
  readonly eol: '' | '\n' | '\r\n';
}

/** Splits text into lines that `joinLines` puts back byte-for-byte (a final line ending yields no empty last line). */
export function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  const re = /\r?\n/g;
  let start = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    lines.push({ text: text.slice(start, m.index), eol: m[0] === '\n' ? '\n' : '\r\n' });
    start = m.index + m[0].length;
  }
  if (start < text.length) lines.push({ text: text.slice(start), eol: '' });
  return lines;
}

export function joinLines(lines: readonly Line[]): string {
  return lines.map((line) => line.text + line.eol).join('');
}
