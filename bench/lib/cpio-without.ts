import { decodeNewcHeader, NEWC_HEADER_SIZE, pad4, TRAILER_NAME } from '../../src/archive/cpio-header.js';

/**
 * The newc archive `cpio` with the record named `name` cut out, bytes
 * otherwise as they were: what the image would be without that one file.
 */
export function cpioWithout(cpio: Buffer, name: string): Buffer {
  let offset = 0;
  while (offset + NEWC_HEADER_SIZE <= cpio.length) {
    const header = decodeNewcHeader(cpio.subarray(offset, offset + NEWC_HEADER_SIZE));
    const nameStart = offset + NEWC_HEADER_SIZE;
    const entryName = cpio.toString('utf8', nameStart, nameStart + header.namesize - 1);
    const dataStart = nameStart + header.namesize + pad4(NEWC_HEADER_SIZE + header.namesize);
    const end = dataStart + header.filesize + pad4(header.filesize);
    if (entryName === name) return Buffer.concat([cpio.subarray(0, offset), cpio.subarray(end)]);
    if (entryName === TRAILER_NAME) break;
    offset = end;
  }
  throw new Error(`the cpio archive has no ${name}`);
}
