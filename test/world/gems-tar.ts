/**
 * A minimal deterministic ustar writer for the gem world: regular files only,
 * uid/gid 0, fixed mtime. `.gem` files and their data.tar.gz need no more.
 */

export interface TarFile {
  /** UTF-8 text, or raw bytes (a hostile name). */
  readonly path: string | Buffer;
  readonly data: Buffer;
  readonly mode: number;
}

const BLOCK = 512;

export function tar(files: readonly TarFile[], mtime: number): Buffer {
  const parts: Buffer[] = [];
  for (const file of files) {
    parts.push(header(file, mtime), file.data, Buffer.alloc(padding(file.data.length)));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

function header(file: TarFile, mtime: number): Buffer {
  const name = Buffer.from(file.path);
  if (name.length > 100) throw new Error(`tar name too long: ${file.path}`);
  const block = Buffer.alloc(BLOCK);
  name.copy(block, 0);
  octal(block, 100, 8, file.mode);
  octal(block, 108, 8, 0);
  octal(block, 116, 8, 0);
  octal(block, 124, 12, file.data.length);
  octal(block, 136, 12, mtime);
  block.write('0', 156, 'ascii');
  block.write('ustar\0', 257, 'ascii');
  block.write('00', 263, 'ascii');
  block.write('wheel', 265, 'ascii');
  block.write('wheel', 297, 'ascii');
  // The checksum is computed with its own field read as spaces.
  block.fill(' ', 148, 156);
  const sum = block.reduce((total, byte) => total + byte, 0);
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return block;
}

function octal(block: Buffer, offset: number, width: number, value: number): void {
  block.write(`${value.toString(8).padStart(width - 1, '0')}\0`, offset, width, 'ascii');
}

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}
