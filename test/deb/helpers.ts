import { BLOCK, encodeUstarHeader } from '../../src/archive/tar-header.js';

/** One raw `ar` member: the 16-byte header name exactly as written, and the body. */
export interface RawMember {
  readonly header: string;
  readonly data: Buffer;
  /** Overrides the decimal size field (default: the body's length). */
  readonly size?: string;
}

/** An `ar` archive byte for byte, with no checks: for hostile inputs. */
export function arArchive(members: readonly RawMember[], magic = '!<arch>\n'): Buffer {
  const parts: Buffer[] = [Buffer.from(magic, 'latin1')];
  for (const member of members) {
    const field = (value: string, width: number) => value.padEnd(width, ' ').slice(0, width);
    const header =
      field(member.header, 16) +
      field('0', 12) +
      field('0', 6) +
      field('0', 6) +
      field('100644', 8) +
      field(member.size ?? String(member.data.length), 10) +
      '`\n';
    parts.push(Buffer.from(header, 'latin1'), member.data);
    if (member.data.length % 2 === 1) parts.push(Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

/** One raw tar entry: any name (unchecked), type flag and body. */
export interface RawTarEntry {
  readonly name: string;
  readonly type: '0' | '1' | '2' | '3' | '5';
  readonly mode?: number;
  readonly data?: Buffer;
  readonly linkname?: string;
}

/** A ustar archive written without any of the safe writer's checks: for hostile inputs. */
export function rawTar(entries: readonly RawTarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const data = entry.data ?? Buffer.alloc(0);
    parts.push(
      encodeUstarHeader({
        name: Buffer.from(entry.name),
        prefix: Buffer.alloc(0),
        mode: entry.mode ?? (entry.type === '5' ? 0o755 : 0o644),
        size: data.length,
        mtime: 1_700_000_000,
        typeflag: entry.type,
        linkname: Buffer.from(entry.linkname ?? ''),
        devmajor: entry.type === '3' ? 1 : 0,
        devminor: entry.type === '3' ? 3 : 0,
      }),
      data,
      Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK),
    );
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

/** A `.deb` from its two (uncompressed) tarballs, with member names and a version to override. */
export function debPackage(options: {
  readonly control?: Buffer;
  readonly data?: Buffer;
  readonly version?: string;
  readonly members?: readonly RawMember[];
}): Buffer {
  const control = options.control ?? rawTar([{ name: './control', type: '0', data: Buffer.from('Package: x\n') }]);
  const data = options.data ?? rawTar([{ name: './', type: '5' }]);
  return arArchive(
    options.members ?? [
      { header: 'debian-binary', data: Buffer.from(options.version ?? '2.0\n') },
      { header: 'control.tar', data: control },
      { header: 'data.tar', data },
    ],
  );
}
