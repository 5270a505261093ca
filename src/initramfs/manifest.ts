import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { ArchiveEntry, FileData, FileEntry } from '../archive/entry.js';

/** One line of the manifest: what the merged initramfs holds at a path. */
export interface ManifestRecord {
  readonly path: string;
  readonly kind: ArchiveEntry['kind'];
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly sha256?: string;
  readonly target?: string;
  readonly device?: string;
}

export const MANIFEST_PATH = 'usr/share/mkbundle/manifest';

function openData(data: FileData): Readable {
  switch (data.from) {
    case 'path':
      return createReadStream(data.path);
    case 'buffer':
      return Readable.from([data.data]);
    case 'stream':
      return data.open();
  }
}

/** The bytes of `data`, hashed on their way; errors reach the reader (no bare pipe to lose them). */
async function* hashing(data: FileData, done: (sha256: string) => void): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  for await (const chunk of openData(data)) {
    hash.update(chunk as Buffer);
    yield chunk as Buffer;
  }
  done(hash.digest('hex'));
}

/** The same file entry, its bytes hashed on their way into the archive. */
function hashed(entry: FileEntry, done: (sha256: string) => void): FileEntry {
  return {
    ...entry,
    data: { from: 'stream', open: () => Readable.from(hashing(entry.data, done), { objectMode: false }) },
  };
}

/** Passes entries through, recording each into `records` (file hashes once their bytes have gone by). */
export async function* recordEntries(
  entries: AsyncIterable<ArchiveEntry>,
  records: ManifestRecord[],
): AsyncGenerator<ArchiveEntry> {
  for await (const entry of entries) {
    const base = { path: entry.path, kind: entry.kind, mode: entry.mode, uid: entry.uid, gid: entry.gid };
    switch (entry.kind) {
      case 'file': {
        const record: { -readonly [K in keyof ManifestRecord]: ManifestRecord[K] } = { ...base, size: entry.size };
        records.push(record);
        yield hashed(entry, (sha256) => {
          record.sha256 = sha256;
        });
        break;
      }
      case 'symlink':
      case 'hardlink':
        records.push({ ...base, size: 0, target: entry.target });
        yield entry;
        break;
      case 'chardev':
      case 'blockdev':
        records.push({ ...base, size: 0, device: `${entry.major},${entry.minor}` });
        yield entry;
        break;
      default:
        records.push({ ...base, size: 0 });
        yield entry;
    }
  }
}

const KIND_LETTER: Readonly<Record<ArchiveEntry['kind'], string>> = {
  file: '-',
  dir: 'd',
  symlink: 'l',
  hardlink: 'h',
  chardev: 'c',
  blockdev: 'b',
  fifo: 'p',
  socket: 's',
};

/**
 * The manifest text: a header of `# key: value` lines, then one line per
 * entry sorted by path: type, mode (octal), uid:gid, size, sha256 (or `-`),
 * path, and `-> target` or the device numbers.
 */
export function formatManifest(records: readonly ManifestRecord[], header: Readonly<Record<string, string>>): string {
  const lines = Object.entries(header).map(([key, value]) => `# ${key}: ${value}`);
  const sorted = [...records].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const r of sorted) {
    const tail = r.target !== undefined ? ` -> ${r.target}` : r.device !== undefined ? ` ${r.device}` : '';
    lines.push(
      `${KIND_LETTER[r.kind]} ${r.mode.toString(8).padStart(4, '0')} ${r.uid}:${r.gid} ${r.size} ${r.sha256 ?? '-'} ${r.path}${tail}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export interface ParsedManifest {
  readonly header: Readonly<Record<string, string>>;
  readonly records: readonly ManifestRecord[];
  /** Line numbers (from 1) that are neither a header line nor an entry. */
  readonly badLines: readonly number[];
}

const KINDS_BY_LETTER = new Map(Object.entries(KIND_LETTER).map(([kind, letter]) => [letter, kind]));
const HEADER_LINE = /^# ([^:]+): (.*)$/;
const ENTRY_LINE = /^(\S) ([0-7]{4,}) (\d+):(\d+) (\d+) ([0-9a-f]{64}|-) (.+)$/;
const DEVICE_TAIL = / (\d+,\d+)$/;

/**
 * The manifest formatManifest wrote, read back. A link's path and target
 * are split at the first ` -> ` (a path holding one cannot be told apart).
 */
export function parseManifest(text: string): ParsedManifest {
  const header: Record<string, string> = {};
  const records: ManifestRecord[] = [];
  const badLines: number[] = [];
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  lines.forEach((line, index) => {
    const head = HEADER_LINE.exec(line);
    if (head?.[1] !== undefined && head[2] !== undefined) {
      header[head[1]] = head[2];
      return;
    }
    const record = parseEntryLine(line);
    if (record === undefined) badLines.push(index + 1);
    else records.push(record);
  });
  return { header, records, badLines };
}

function parseEntryLine(line: string): ManifestRecord | undefined {
  const match = ENTRY_LINE.exec(line);
  const kind = KINDS_BY_LETTER.get(match?.[1] ?? '') as ArchiveEntry['kind'] | undefined;
  if (match === null || kind === undefined) return undefined;
  const [, , mode = '', uid = '', gid = '', size = '', sha256 = '-', rest = ''] = match;
  const base = { kind, mode: Number.parseInt(mode, 8), uid: Number(uid), gid: Number(gid), size: Number(size) };
  const hashed = sha256 === '-' ? base : { ...base, sha256 };
  if (kind === 'symlink' || kind === 'hardlink') {
    const arrow = rest.indexOf(' -> ');
    return arrow < 0 ? undefined : { ...hashed, path: rest.slice(0, arrow), target: rest.slice(arrow + 4) };
  }
  if (kind === 'chardev' || kind === 'blockdev') {
    const device = DEVICE_TAIL.exec(rest);
    return device?.[1] === undefined ? undefined : { ...hashed, path: rest.slice(0, device.index), device: device[1] };
  }
  return { ...hashed, path: rest };
}
