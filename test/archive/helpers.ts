import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { execa } from 'execa';
import { afterEach } from 'vitest';
import type { ArchiveEntry } from '../../src/archive/entry.js';

/** A fresh temporary directory, removed after the test. */
export function useTempDirs(): () => Promise<string> {
  const made: string[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });
  return async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mkbundle-archive-'));
    made.push(dir);
    return dir;
  };
}

export const isRoot = process.getuid?.() === 0;

/** An entry with its data read into memory (bodies must be read before the next entry). */
export type Collected = ArchiveEntry & { readonly content?: Buffer };

export async function collect(entries: AsyncIterable<ArchiveEntry>): Promise<Collected[]> {
  const out: Collected[] = [];
  for await (const entry of entries) {
    if (entry.kind === 'file') {
      const chunks: Buffer[] = [];
      if (entry.data.from === 'buffer') chunks.push(entry.data.data);
      else if (entry.data.from === 'stream') for await (const chunk of entry.data.open()) chunks.push(chunk as Buffer);
      const content = Buffer.concat(chunks);
      out.push({ ...entry, data: { from: 'buffer', data: content }, content });
    } else {
      out.push(entry);
    }
  }
  return out;
}

export function streamOf(bytes: Buffer): Readable {
  return Readable.from([bytes]);
}

export async function sh(command: string, cwd?: string): Promise<string> {
  const result = await execa('sh', ['-c', command], { cwd, stripFinalNewline: false });
  return result.stdout;
}

const common = { mode: 0o644, uid: 0, gid: 0, mtime: 1_600_000_000 };

export function file(path: string, text: string, extra: Partial<ArchiveEntry> = {}): ArchiveEntry {
  const data = Buffer.from(text);
  return { ...common, ...extra, path, kind: 'file', size: data.length, data: { from: 'buffer', data } } as ArchiveEntry;
}
export function dir(path: string, extra: Partial<ArchiveEntry> = {}): ArchiveEntry {
  return { ...common, mode: 0o755, ...extra, path, kind: 'dir' } as ArchiveEntry;
}
export function symlink(path: string, target: string, extra: Partial<ArchiveEntry> = {}): ArchiveEntry {
  return { ...common, mode: 0o777, ...extra, path, kind: 'symlink', target } as ArchiveEntry;
}
export function hardlink(path: string, target: string, extra: Partial<ArchiveEntry> = {}): ArchiveEntry {
  return { ...common, ...extra, path, kind: 'hardlink', target } as ArchiveEntry;
}

/** Raw archive builders for hostile inputs that no well-behaved tool would write. */
export function rawTarHeader(
  name: string,
  typeflag: string,
  options: { size?: number; linkname?: string } = {},
): Buffer {
  const block = Buffer.alloc(512);
  block.write(name, 0, 'utf8');
  block.write('0000644\0', 100);
  block.write('0000000\0', 108);
  block.write('0000000\0', 116);
  block.write(`${(options.size ?? 0).toString(8).padStart(11, '0')}\0`, 124);
  block.write('14000000000\0', 136);
  block.write(typeflag, 156);
  block.write(options.linkname ?? '', 157, 'utf8');
  block.write('ustar\u000000', 257, 'latin1');
  block.write('        ', 148);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return block;
}

export function rawTar(...members: Array<{ header: Buffer; data?: Buffer }>): Buffer {
  const parts: Buffer[] = [];
  for (const { header, data } of members) {
    parts.push(header);
    if (data) parts.push(data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export interface RawCpioMember {
  name: string;
  mode: number;
  ino?: number;
  nlink?: number;
  data?: Buffer;
  rdev?: [number, number];
  magic?: string;
  check?: number;
}

export function rawCpio(members: RawCpioMember[], trailer = true): Buffer {
  const parts: Buffer[] = [];
  const all = trailer ? [...members, { name: 'TRAILER!!!', mode: 0, ino: 0, nlink: 1 }] : members;
  all.forEach((member, i) => {
    const data = member.data ?? Buffer.alloc(0);
    const name = Buffer.from(`${member.name}\0`);
    const fields = [
      member.ino ?? i + 1,
      member.mode,
      0,
      0,
      member.nlink ?? 1,
      1_600_000_000,
      data.length,
      0,
      0,
      member.rdev?.[0] ?? 0,
      member.rdev?.[1] ?? 0,
      name.length,
      member.check ?? 0,
    ];
    const header = Buffer.from(
      (member.magic ?? '070701') + fields.map((f) => f.toString(16).padStart(8, '0')).join(''),
    );
    parts.push(header, name, Buffer.alloc((4 - ((110 + name.length) % 4)) % 4));
    parts.push(data, Buffer.alloc((4 - (data.length % 4)) % 4));
  });
  return Buffer.concat(parts);
}
