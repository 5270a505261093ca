import { quoted } from '../config/quote.js';
/** The cpio newc ("SVR4 with no CRC") and crc header layout: 13 eight-digit hex fields. */

export const NEWC_MAGIC = '070701';
export const CRC_MAGIC = '070702';
export const NEWC_HEADER_SIZE = 110;
export const TRAILER_NAME = 'TRAILER!!!';
const FIELD_NAMES = [
  'ino',
  'mode',
  'uid',
  'gid',
  'nlink',
  'mtime',
  'filesize',
  'devmajor',
  'devminor',
  'rdevmajor',
  'rdevminor',
  'namesize',
  'check',
] as const;

export type NewcFields = Readonly<Record<(typeof FIELD_NAMES)[number], number>>;
export interface NewcHeader extends NewcFields {
  readonly format: 'newc' | 'crc';
}

/** Bytes of padding that bring `length` to a multiple of four. */
export function pad4(length: number): number {
  return (4 - (length % 4)) % 4;
}

/** Decodes a 110-byte header; throws an Error describing what is wrong. */
export function decodeNewcHeader(block: Buffer): NewcHeader {
  const magic = block.toString('latin1', 0, 6);
  if (magic !== NEWC_MAGIC && magic !== CRC_MAGIC) {
    throw new Error(
      magic === '070707' ? 'odc cpio archives are not supported (newc needed)' : 'not a cpio newc header',
    );
  }
  const fields: Record<string, number> = {};
  FIELD_NAMES.forEach((field, i) => {
    const text = block.toString('latin1', 6 + i * 8, 14 + i * 8);
    if (!/^[0-9a-fA-F]{8}$/.test(text)) throw new Error(`cpio header field ${field} is not hex: ${quoted(text)}`);
    fields[field] = Number.parseInt(text, 16);
  });
  return { format: magic === CRC_MAGIC ? 'crc' : 'newc', ...(fields as NewcFields) };
}

/** A newc header followed by the NUL-terminated name and its padding. */
export function encodeNewcRecord(fields: Omit<NewcFields, 'namesize' | 'check'>, name: Buffer): Buffer {
  const all: NewcFields = { ...fields, namesize: name.length + 1, check: 0 };
  const hex = FIELD_NAMES.map((field) => {
    const value = all[field];
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new RangeError(`cpio field ${field} out of range: ${value}`);
    }
    return value.toString(16).toUpperCase().padStart(8, '0');
  });
  const head = Buffer.from(NEWC_MAGIC + hex.join(''), 'latin1');
  const used = NEWC_HEADER_SIZE + all.namesize;
  return Buffer.concat([head, name, Buffer.alloc(1 + pad4(used))]);
}
