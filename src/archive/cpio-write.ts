import { Readable } from 'node:stream';
import { quoted } from '../config/quote.js';
import { writeFileAtomically } from './atomic.js';
import { encodeNewcRecord, type NewcFields, pad4, TRAILER_NAME } from './cpio-header.js';
import type { ArchiveEntry, FileEntry, HardlinkEntry } from './entry.js';
import type { EntrySource } from './entry-source.js';
import { fileChunks } from './file-data.js';
import { gzipStream } from './gzip.js';
import { PERMISSIONS, typeBits } from './mode.js';
import { entryError, normaliseMemberName, ROOT_PATH } from './safe-path.js';

export interface CpioWriteOptions {
  /** SOURCE_DATE_EPOCH: mtimes later than it are clamped to it. */
  readonly sourceDateEpoch?: number;
  /** How errors name the archive being written. */
  readonly name?: string;
}

/** A piece of a cpio archive as it is made. */
export interface CpioChunk {
  readonly data: Buffer;
  /**
   * Set on the first chunk of each record (header, name, data and padding,
   * the trailer with the archive's end padding): the record's length. The
   * archive can be cut right before such a chunk, or at its end: there the
   * kernel's unpacker is between entries, so a gzip member may end there.
   */
  readonly record?: number;
}

const BLOCK = 512;
const PATH_MAX = 4096;

/**
 * Serialises entries, in the order given, as a cpio newc stream like GNU
 * `cpio -o -H newc`: names as given (no leading `/` or `./`), inode numbers
 * 1, 2, … in order of writing, device numbers 0, `TRAILER!!!`, and the whole
 * padded to 512 bytes. Owners are kept as given.
 *
 * Hard links share an inode and nlink > 1; every name is written with its
 * file's mode, owner and mtime (the kernel applies each name's header to the
 * shared inode, so a stray mode on a link would strip a setuid bit).
 * - Hard links before their file (readCpio's order for GNU archives) are held
 *   back (headers only) and written empty right before the file, which
 *   carries the data: GNU cpio's layout.
 * - Hard links after their file are written empty after it; the file's
 *   header then needs its final link count up front, from its `nlink` or,
 *   when the entries are an array, from counting.
 * - An empty hard-linked file is held until its last name (or the end), so
 *   that write → read → write gives the same bytes.
 * The kernel, GNU cpio and busybox unpack all of these as hard links.
 */
export function cpioStream(entries: EntrySource, options: CpioWriteOptions = {}): Readable {
  return Readable.from(cpioBytes(cpioChunks(entries, options)), { objectMode: false });
}

async function* cpioBytes(chunks: AsyncIterable<CpioChunk>): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) yield chunk.data;
}

/** Writes a cpio newc archive (gzipped when `gzipLevel` is given) to `dest` atomically. */
export async function writeCpio(
  dest: string,
  entries: EntrySource,
  options: CpioWriteOptions & { readonly gzipLevel?: number } = {},
): Promise<void> {
  const stream = cpioStream(entries, { ...options, name: options.name ?? dest });
  await writeFileAtomically(dest, stream, options.gzipLevel === undefined ? [] : [gzipStream(options.gzipLevel)]);
}

/** The archive `cpioStream` writes, as chunks that tell where its records start. */
export async function* cpioChunks(entries: EntrySource, options: CpioWriteOptions = {}): AsyncGenerator<CpioChunk> {
  const writer = new CpioWriter(options.name ?? 'cpio archive', options.sourceDateEpoch, countLinks(entries));
  for await (const entry of entries) yield* writer.entry(entry);
  yield* writer.finish();
}

/** The names of one inode. */
interface LinkGroup {
  readonly target: string;
  /** Names held back, in order of appearance, until the group is written. */
  readonly held: Array<FileEntry | HardlinkEntry>;
  /** The file once seen; its link count is then final. */
  file?: FileEntry;
  nlink?: number;
  /** Set once the group is written: later names are written at once. */
  ino?: number;
}

class CpioWriter {
  #length = 0;
  #lastIno = 0;
  readonly #paths = new Set<string>();
  /** By file path and by every hard link path of the group. */
  readonly #groups = new Map<string, LinkGroup>();

  constructor(
    private readonly name: string,
    private readonly epoch: number | undefined,
    private readonly linkCounts: ReadonlyMap<string, number> | undefined,
  ) {}

  async *entry(entry: ArchiveEntry): AsyncGenerator<CpioChunk> {
    this.#admit(entry);
    switch (entry.kind) {
      case 'file':
        yield* this.#file(entry);
        return;
      case 'hardlink':
        yield* this.#hardlink(entry);
        return;
      case 'dir':
        yield this.#record(entry, { nlink: entry.nlink ?? 2 });
        return;
      case 'symlink': {
        const target = Buffer.from(entry.target, 'utf8');
        yield this.#record(entry, { filesize: target.length });
        yield this.#data(Buffer.concat([target, Buffer.alloc(pad4(target.length))]));
        return;
      }
      case 'chardev':
      case 'blockdev':
        yield this.#record(entry, { rdevmajor: entry.major, rdevminor: entry.minor });
        return;
      default:
        yield this.#record(entry, {});
    }
  }

  async *finish(): AsyncGenerator<CpioChunk> {
    for (const group of new Set(this.#groups.values())) {
      if (group.ino !== undefined) continue;
      const first = group.held[0] as FileEntry | HardlinkEntry;
      if (group.file === undefined) {
        throw entryError(this.name, first.path, `hard link target ${quoted(group.target)} is not in the archive`);
      }
      yield* this.#flush(group);
    }
    const trailer = encodeNewcRecord(
      {
        ino: 0,
        mode: 0,
        uid: 0,
        gid: 0,
        nlink: 1,
        mtime: 0,
        filesize: 0,
        devmajor: 0,
        devminor: 0,
        rdevmajor: 0,
        rdevminor: 0,
      },
      Buffer.from(TRAILER_NAME, 'latin1'),
    );
    const padding = (BLOCK - ((this.#length + trailer.length) % BLOCK)) % BLOCK;
    yield { data: this.#count(trailer), record: trailer.length + padding };
    if (padding > 0) yield this.#data(Buffer.alloc(padding));
  }

  async *#file(entry: FileEntry): AsyncGenerator<CpioChunk> {
    const group = this.#groups.get(entry.path) ?? { target: entry.path, held: [] };
    this.#groups.set(entry.path, group);
    group.file = entry;
    group.nlink = Math.max(entry.nlink ?? 1, 1 + (this.linkCounts?.get(entry.path) ?? group.held.length));
    group.held.push(entry);
    // An empty file has no data to place: like GNU cpio, hold it until its last name.
    if (entry.size === 0 && group.held.length < group.nlink) return;
    yield* this.#flush(group);
  }

  async *#hardlink(entry: HardlinkEntry): AsyncGenerator<CpioChunk> {
    let group = this.#groups.get(entry.target);
    if (group === undefined) {
      if (this.#paths.has(entry.target)) {
        throw entryError(this.name, entry.path, `hard link target ${quoted(entry.target)} is not a file`);
      }
      group = { target: entry.target, held: [] };
      this.#groups.set(entry.target, group);
    }
    this.#groups.set(entry.path, group);
    if (group.ino === undefined) {
      group.held.push(entry);
      if (group.file !== undefined && group.held.length >= (group.nlink ?? 1)) yield* this.#flush(group);
      return;
    }
    const { file, nlink = 1 } = group;
    if (file === undefined || nlink < 2) {
      throw entryError(
        this.name,
        entry.path,
        `hard link to ${quoted(entry.target)}, whose header was written with nlink 1: give the file its nlink, pass the entries as an array, or put hard links first`,
      );
    }
    yield this.#record({ ...entry, ...inode(file) }, { ino: group.ino, nlink });
  }

  /** Writes the held names of a group: links empty, the file with its data, all with the file's inode. */
  async *#flush(group: LinkGroup): AsyncGenerator<CpioChunk> {
    const file = group.file as FileEntry;
    const ino = this.#newIno();
    const nlink = group.nlink ?? 1;
    group.ino = ino;
    for (const name of group.held.splice(0)) {
      if (name !== file) {
        yield this.#record({ ...name, ...inode(file) }, { ino, nlink });
        continue;
      }
      yield this.#record(file, { ino, nlink, filesize: file.size });
      for await (const chunk of fileChunks(this.name, file)) yield this.#data(chunk);
      if (pad4(file.size) > 0) yield this.#data(Buffer.alloc(pad4(file.size)));
    }
  }

  #admit(entry: ArchiveEntry): void {
    const normal = normaliseMemberName(this.name, entry.path);
    if (normal !== entry.path) throw entryError(this.name, entry.path, 'path is not normalised');
    if (normal === ROOT_PATH && entry.kind !== 'dir')
      throw entryError(this.name, entry.path, 'root is not a directory');
    if (Buffer.byteLength(normal) >= PATH_MAX) throw entryError(this.name, entry.path, 'name is too long');
    if (this.#paths.has(normal)) throw entryError(this.name, entry.path, 'duplicate path');
    this.#paths.add(normal);
  }

  /** A record's header; its data, when it has any, follows in chunks of its own. */
  #record(entry: ArchiveEntry, fields: Partial<NewcFields>): CpioChunk {
    const mtime = this.epoch === undefined ? entry.mtime : Math.min(entry.mtime, this.epoch);
    const filesize = fields.filesize ?? 0;
    try {
      const header = this.#count(
        encodeNewcRecord(
          {
            ino: fields.ino ?? this.#newIno(),
            mode: typeBits(entry.kind) | (entry.mode & PERMISSIONS),
            uid: entry.uid,
            gid: entry.gid,
            nlink: fields.nlink ?? entry.nlink ?? 1,
            mtime,
            filesize,
            devmajor: 0,
            devminor: 0,
            rdevmajor: fields.rdevmajor ?? 0,
            rdevminor: fields.rdevminor ?? 0,
          },
          Buffer.from(entry.path, 'utf8'),
        ),
      );
      return { data: header, record: header.length + filesize + pad4(filesize) };
    } catch (error) {
      if (error instanceof RangeError) throw entryError(this.name, entry.path, error.message);
      throw error;
    }
  }

  #newIno(): number {
    this.#lastIno += 1;
    return this.#lastIno;
  }

  #data(chunk: Buffer): CpioChunk {
    return { data: this.#count(chunk) };
  }

  #count(chunk: Buffer): Buffer {
    this.#length += chunk.length;
    return chunk;
  }
}

/** The metadata a hard link shares with its file: the kernel applies each name's header to the inode. */
function inode(file: FileEntry): Pick<FileEntry, 'mode' | 'uid' | 'gid' | 'mtime'> {
  return { mode: file.mode, uid: file.uid, gid: file.gid, mtime: file.mtime };
}

/** Hard links per file path, when the entries are an array (an iterable cannot be read twice). */
function countLinks(entries: EntrySource): ReadonlyMap<string, number> | undefined {
  if (!Array.isArray(entries)) return undefined;
  const list = entries as readonly ArchiveEntry[];
  const linkTargets = new Map(list.flatMap((e) => (e.kind === 'hardlink' ? [[e.path, e.target] as const] : [])));
  const counts = new Map<string, number>();
  for (const entry of list) {
    if (entry.kind !== 'hardlink') continue;
    let target = entry.target;
    for (let hops = 0; linkTargets.has(target) && hops < list.length; hops += 1) {
      target = linkTargets.get(target) as string;
    }
    counts.set(target, (counts.get(target) ?? 0) + 1);
  }
  return counts;
}
