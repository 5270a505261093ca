import { createHash } from 'node:crypto';
import { quoted } from '../config/quote.js';
import { IntegrityError } from '../errors.js';

const MD5_LINE = /^([0-9A-Fa-f]{32})[ \t]+\*?(.+)$/;

/**
 * The md5 (lowercase hex) that a `NAME.tcz.md5.txt` states for `name`.
 * Accepts md5sum's text and binary forms (`HEX  NAME`, `HEX *NAME`), a
 * single space, CRLF, and a directory before the name; the line must name
 * `name`. `source` (usually the URL) labels errors.
 */
export function parseMd5Txt(text: string, name: string, source: string): string {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (lines.length === 0) throw new IntegrityError(`${source}: empty checksum file`);
  for (const line of lines) {
    const match = MD5_LINE.exec(line);
    if (!match?.[1] || !match[2]) throw new IntegrityError(`${source}: not an md5sum line: ${quoted(line)}`);
    const named = match[2].trim();
    // Some mirrors' files name the path they were made from; the file name is what counts.
    if (named === name || named.endsWith(`/${name}`)) return match[1].toLowerCase();
  }
  throw new IntegrityError(`${source}: no checksum for ${name}`);
}

/**
 * The content of `FILE.md5.txt` as Tiny Core's mirrors have it (md5sum's
 * text form): `HEX  FILE` and a newline, `file` being e.g. `lshw.tcz`.
 */
export function formatMd5Txt(file: string, md5: string): string {
  if (!/^[0-9a-f]{32}$/.test(md5)) throw new TypeError(`not a lower-case md5 hex digest: '${md5}'`);
  if (file === '' || /[\s/]/.test(file)) throw new TypeError(`not a bare file name: '${file}'`);
  return `${md5}  ${file}\n`;
}

export function md5Hex(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}
