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
