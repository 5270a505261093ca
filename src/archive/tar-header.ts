import { quoted } from '../config/quote.js';
/** The ustar header block (POSIX.1-1988, with GNU and pax extensions on the read side). */

export const BLOCK = 512;
/** Largest value of an 11-digit octal field (sizes, mtimes). */
export const MAX_OCTAL_11 = 0o77777777777;
/** Largest value of a 7-digit octal field (modes, ids, device numbers). */
export const MAX_OCTAL_7 = 0o7777777;

export interface TarHeader {
  /** Raw name bytes, prefix joined (ustar). */
  readonly name: Buffer;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly mtime: number;
  readonly typeflag: string;
  readonly linkname: Buffer;
  readonly devmajor: number;
  readonly devminor: number;
}

export function isZeroBlock(block: Buffer): boolean {
  return block.every((byte) => byte === 0);
}

/** Decodes a header block; throws an Error describing what is wrong. */
export function decodeTarHeader(block: Buffer): TarHeader {
  const recorded = field(block, 148, 8).toString('latin1').trim();
  const [unsigned, signed] = checksums(block);
  if (!/^[0-7]+$/.test(recorded) || ![unsigned, signed].includes(Number.parseInt(recorded, 8))) {
    throw new Error('not a tar header (checksum mismatch)');
  }
  const magic = block.toString('latin1', 257, 263);
  const name = field(block, 0, 100);
  // Only POSIX ustar has a prefix; GNU's old format keeps atime/ctime there.
  const prefix = magic === 'ustar\0' ? field(block, 345, 155) : Buffer.alloc(0);
  return {
    name: prefix.length > 0 ? Buffer.concat([prefix, Buffer.from('/'), name]) : name,
    mode: numeric(block, 100, 8, 'mode'),
    uid: numeric(block, 108, 8, 'uid'),
    gid: numeric(block, 116, 8, 'gid'),
    size: numeric(block, 124, 12, 'size'),
    mtime: numeric(block, 136, 12, 'mtime'),
    typeflag: String.fromCharCode(block[156] ?? 0),
    linkname: field(block, 157, 100),
    devmajor: numeric(block, 329, 8, 'devmajor'),
    devminor: numeric(block, 337, 8, 'devminor'),
  };
}

export interface UstarFields {
  /** Absent: root. Ids up to 0o7777777. */
  readonly owner?: { readonly uid: number; readonly gid: number };
  readonly name: Buffer;
  readonly prefix: Buffer;
  readonly mode: number;
  readonly size: number;
  readonly mtime: number;
  readonly typeflag: string;
  readonly linkname: Buffer;
  readonly devmajor: number;
  readonly devminor: number;
}

/**
 * Encodes a POSIX ustar header, owned by root (uid/gid 0, uname/gname
 * `root`) unless `owner` says otherwise, with no names for other ids so
 * that no host's user database maps them; nothing host-specific. Fields
 * must fit (callers use pax otherwise).
 */
export function encodeUstarHeader(fields: UstarFields): Buffer {
  const block = Buffer.alloc(BLOCK);
  const { uid, gid } = fields.owner ?? { uid: 0, gid: 0 };
  fields.name.copy(block, 0);
  octal(block, 100, 8, fields.mode);
  octal(block, 108, 8, uid);
  octal(block, 116, 8, gid);
  octal(block, 124, 12, fields.size);
  octal(block, 136, 12, fields.mtime);
  block.write(fields.typeflag, 156, 'latin1');
  fields.linkname.copy(block, 157);
  block.write('ustar\u000000', 257, 'latin1');
  if (uid === 0) block.write('root', 265, 'latin1');
  if (gid === 0) block.write('root', 297, 'latin1');
  octal(block, 329, 8, fields.devmajor);
  octal(block, 337, 8, fields.devminor);
  fields.prefix.copy(block, 345);
  block.write('        ', 148, 'latin1');
  const [sum] = checksums(block);
  block.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 'latin1');
  return block;
}

/** Splits a path into ustar name (≤ 100 bytes) and prefix (≤ 155 bytes), if it fits. */
export function splitUstarPath(path: Buffer): { name: Buffer; prefix: Buffer } | undefined {
  if (path.length <= 100) return { name: path, prefix: Buffer.alloc(0) };
  for (let slash = Math.max(1, path.length - 101); slash <= Math.min(155, path.length - 2); slash += 1) {
    if (path[slash] === 0x2f) return { prefix: path.subarray(0, slash), name: path.subarray(slash + 1) };
  }
  return undefined;
}

/** One pax extended header record: `LENGTH key=value\n`, LENGTH counting itself. */
export function paxRecord(key: string, value: string): Buffer {
  const body = Buffer.from(` ${key}=${value}\n`, 'utf8');
  let length = body.length + 1;
  while (String(length).length + body.length > length) length += 1;
  return Buffer.concat([Buffer.from(String(length), 'latin1'), body]);
}

/** Parses pax extended header records; throws on malformed ones. */
export function parsePax(body: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < body.length && body[at] !== 0) {
    const space = body.indexOf(0x20, at);
    const length = Number(body.toString('latin1', at, space));
    if (space < 0 || !Number.isInteger(length) || length <= space - at || at + length > body.length) {
      throw new Error('malformed pax header');
    }
    const record = body.toString('utf8', space + 1, at + length);
    const equals = record.indexOf('=');
    if (equals < 1 || !record.endsWith('\n')) throw new Error('malformed pax record');
    records.set(record.slice(0, equals), record.slice(equals + 1, -1));
    at += length;
  }
  return records;
}

function field(block: Buffer, start: number, length: number): Buffer {
  const slice = block.subarray(start, start + length);
  const end = slice.indexOf(0);
  return end < 0 ? slice : slice.subarray(0, end);
}

/** Octal (NUL/space padded) or GNU base-256 (leading 0x80) numbers. */
function numeric(block: Buffer, start: number, length: number, name: string): number {
  const first = block[start] ?? 0;
  if (first & 0x80) {
    if (first & 0x40) throw new Error(`negative ${name} in tar header`);
    let value = first & 0x3f;
    for (let i = start + 1; i < start + length; i += 1) value = value * 256 + (block[i] ?? 0);
    if (!Number.isSafeInteger(value)) throw new Error(`${name} out of range in tar header`);
    return value;
  }
  const text = field(block, start, length).toString('latin1').trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new Error(`bad ${name} in tar header: ${quoted(text)}`);
  return Number.parseInt(text, 8);
}

function octal(block: Buffer, start: number, length: number, value: number): void {
  block.write(`${value.toString(8).padStart(length - 1, '0')}\u0000`, start, 'latin1');
}

/** The header checksum, summing bytes as unsigned and as signed chars (old tars used either). */
function checksums(block: Buffer): [number, number] {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i += 1) {
    const byte = i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
    unsigned += byte;
    signed += byte >= 0x80 ? byte - 256 : byte;
  }
  return [unsigned, signed];
}
