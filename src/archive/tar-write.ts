import { createHash } from 'node:crypto';
import { type Duplex, Readable, Transform } from 'node:stream';
import { quoted } from '../config/quote.js';
import { libdeflateVersion } from '../deflate/libdeflate.js';
import { AddonError } from '../errors.js';
import { writeFileAtomically, writeSynced } from './atomic.js';
import type { ArchiveEntry, FileEntry } from './entry.js';
import type { EntrySource } from './entry-source.js';
import { fileChunks } from './file-data.js';
import { gzipStream } from './gzip.js';
import { BLOCK_SIZE, gzipMembers, partMembers, type StreamPart } from './gzip-members.js';
import { PERMISSIONS } from './mode.js';
import { compareArchivePaths } from './order.js';
import { entryError, normaliseMemberName, ROOT_PATH } from './safe-path.js';
import {
  BLOCK,
  encodeUstarHeader,
  MAX_OCTAL_7,
  MAX_OCTAL_11,
  paxRecord,
  splitUstarPath,
  type UstarFields,
} from './tar-header.js';

export interface TarWriteOptions {
  /** SOURCE_DATE_EPOCH: mtimes later than it are clamped to it. */
  readonly sourceDateEpoch?: number;
  /** `entries`: each entry's numeric owner (the overlay: tc's ssh files); by default all root's. */
  readonly owners?: 'root' | 'entries';
  /** How errors name the archive being written. */
  readonly name?: string;
}

/** GNU tar's default record: 20 blocks. */
const RECORD = 20 * BLOCK;

const TYPEFLAGS: Readonly<Record<Exclude<ArchiveEntry['kind'], 'socket'>, string>> = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  chardev: '3',
  blockdev: '4',
  dir: '5',
  fifo: '6',
};

/**
 * A deterministic tar stream: entries sorted by path (compareArchivePaths),
 * owner root:root (uid/gid 0) unless `owners` says otherwise, mtimes clamped to SOURCE_DATE_EPOCH, ustar
 * headers with a pax `x` header only for what ustar cannot hold (long names,
 * huge sizes, out-of-range mtimes), never atime/ctime. In each hard-link group
 * the first name in sorted order carries the data. File data must be
 * re-openable (paths, buffers, stream factories): all entries are collected
 * and sorted before the first byte is written.
 */
export function tarStream(entries: EntrySource, options: TarWriteOptions = {}): Readable {
  return Readable.from(tarChunks(entries, options), { objectMode: false });
}

export interface TarGzResult {
  /** libdeflate's gzip members, or one zlib stream when the native addon cannot load. */
  readonly encoder: 'libdeflate' | 'zlib';
  /** Why libdeflate could not be used, when it was not: the addon loader's reason. */
  readonly fallback?: string;
  /** Of the file written, counted on the way: no second read. */
  readonly size: number;
  readonly sha256: string;
}

export interface TarGzOptions extends TarWriteOptions {
  /** Files whose members were started early (precompressFile), written as they are. */
  readonly precompressed?: readonly Precompressed[];
  /**
   * Write (synced) into this temp file, for the caller to rename into place
   * with others; errors still name `dest`. Without it: temp + rename here.
   */
  readonly temp?: string;
}

/**
 * Writes a deterministic `.tar.gz` to `dest` atomically, as gzip members
 * (gzipMembers): stored for files that are compressed already, the fast
 * level for squashfs images, level 8 for the rest. When libdeflate cannot
 * load, one zlib -9 stream instead, and the result says why.
 */
export async function writeTarGz(dest: string, entries: EntrySource, options: TarGzOptions = {}): Promise<TarGzResult> {
  const tar = { ...options, name: options.name ?? dest };
  const digest = new Digest();
  const { temp } = options;
  const write = (source: Readable, transforms: Duplex[]) =>
    temp === undefined ? writeFileAtomically(dest, source, transforms) : writeSynced(temp, dest, source, transforms);
  try {
    libdeflateVersion();
  } catch (error) {
    if (!(error instanceof AddonError)) throw error;
    await write(tarStream(entries, tar), [gzipStream(9), digest]);
    return { encoder: 'zlib', fallback: error.message, ...digest.result() };
  }
  const parts = withPrecompressed(tar.name, tarParts(entries, tar), options.precompressed ?? []);
  await write(Readable.from(gzipMembers(parts, { name: tar.name })), [digest]);
  return { encoder: 'libdeflate', ...digest.result() };
}

/** One file's gzip members, being made ahead of writeTarGz. */
export interface Precompressed {
  readonly path: string;
  readonly size: number;
  readonly members: Promise<readonly Buffer[]>;
}

/**
 * Starts making the gzip members of one file entry now, on the thread
 * pool, for writeTarGz to write later: the bytes it would make itself,
 * since a file of at least BLOCK_SIZE bytes has members of its own. None
 * for another entry or a shorter file, or when libdeflate cannot load
 * (writeTarGz then uses zlib). A failure reaches writeTarGz, or is dropped
 * if it never runs.
 */
export function precompressFile(entry: ArchiveEntry, options: TarWriteOptions = {}): Precompressed | undefined {
  if (entry.kind !== 'file' || entry.size < BLOCK_SIZE) return undefined;
  try {
    libdeflateVersion();
  } catch (error) {
    if (error instanceof AddonError) return undefined;
    throw error;
  }
  const name = options.name ?? 'tar archive';
  const members = partMembers(fileChunks(name, entry), { name });
  members.catch(() => undefined);
  return { path: entry.path, size: entry.size, members };
}

/** The data parts of precompressed files replaced by their members. */
async function* withPrecompressed(
  name: string,
  parts: AsyncIterable<TarPart>,
  precompressed: readonly Precompressed[],
): AsyncGenerator<StreamPart> {
  const byPath = new Map(precompressed.map((p) => [p.path, p]));
  for await (const part of parts) {
    const { entry } = part;
    const done = entry && byPath.get(entry.path);
    if (entry === undefined || done === undefined) {
      yield part;
    } else if (done.size !== entry.size) {
      throw entryError(name, entry.path, `data size changed: expected ${entry.size} bytes, got ${done.size}`);
    } else {
      yield { kind: 'members', members: done.members };
    }
  }
}

/** Passes bytes through, counting and hashing them. */
class Digest extends Transform {
  readonly #hash = createHash('sha256');
  #size = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null, data?: Buffer) => void) {
    this.#hash.update(chunk);
    this.#size += chunk.length;
    done(null, chunk);
  }

  result(): { size: number; sha256: string } {
    return { size: this.#size, sha256: this.#hash.digest('hex') };
  }
}

async function* tarChunks(entries: EntrySource, options: TarWriteOptions): AsyncGenerator<Buffer> {
  for await (const part of tarParts(entries, options)) yield* part.chunks;
}

/** A part of the tar stream; a file's data carries its entry. */
type TarPart = {
  readonly kind: 'meta' | 'data';
  readonly chunks: AsyncIterable<Buffer> | Iterable<Buffer>;
  readonly entry?: FileEntry;
};

/** The tar stream as parts: each file's data apart from the headers and padding around it. */
async function* tarParts(entries: EntrySource, options: TarWriteOptions): AsyncGenerator<TarPart> {
  const name = options.name ?? 'tar archive';
  let length = 0;
  let meta: Buffer[] = [];
  for (const entry of await planTar(name, entries)) {
    const mtime = options.sourceDateEpoch === undefined ? entry.mtime : Math.min(entry.mtime, options.sourceDateEpoch);
    const owned = options.owners === 'entries' ? entry : { ...entry, uid: 0, gid: 0 };
    for (const block of headers(name, owned, mtime)) {
      length += block.length;
      meta.push(block);
    }
    if (entry.kind === 'file') {
      yield { kind: 'meta', chunks: meta };
      meta = [];
      yield { kind: 'data', chunks: fileChunks(name, entry), entry };
      const padding = Buffer.alloc((BLOCK - (entry.size % BLOCK)) % BLOCK);
      length += entry.size + padding.length;
      meta.push(padding);
    }
  }
  // Two zero blocks end the archive; GNU tar pads to whole records.
  const end = 2 * BLOCK;
  meta.push(Buffer.alloc(end + ((RECORD - ((length + end) % RECORD)) % RECORD)));
  yield { kind: 'meta', chunks: meta };
}

/** Validates and sorts the entries; the first name of each hard-link group becomes the file. */
async function planTar(name: string, source: EntrySource): Promise<ArchiveEntry[]> {
  const byPath = new Map<string, ArchiveEntry>();
  for await (const entry of source) {
    const normal = normaliseMemberName(name, entry.path);
    if (normal !== entry.path) throw entryError(name, entry.path, 'path is not normalised');
    if (normal === ROOT_PATH && entry.kind !== 'dir') throw entryError(name, entry.path, 'root is not a directory');
    if (entry.kind === 'socket') throw entryError(name, entry.path, 'tar cannot hold sockets');
    if (byPath.has(normal)) throw entryError(name, entry.path, 'duplicate path');
    byPath.set(normal, entry);
  }
  const groups = new Map<FileEntry, string[]>();
  for (const entry of byPath.values()) {
    if (entry.kind !== 'hardlink') continue;
    const file = resolveLink(name, byPath, entry.path);
    groups.set(file, [...(groups.get(file) ?? [file.path]), entry.path]);
  }
  for (const [file, members] of groups) {
    const [first, ...rest] = members.sort(compareArchivePaths) as [string, ...string[]];
    const carrier = byPath.get(first) as ArchiveEntry;
    byPath.set(first, { ...stripFile(carrier), kind: 'file', size: file.size, data: file.data });
    for (const path of rest) {
      const member = byPath.get(path) as ArchiveEntry;
      byPath.set(path, { ...stripFile(member), kind: 'hardlink', target: first });
    }
  }
  return [...byPath.values()].sort((a, b) => compareArchivePaths(a.path, b.path));
}

function resolveLink(name: string, byPath: ReadonlyMap<string, ArchiveEntry>, path: string): FileEntry {
  let entry = byPath.get(path);
  for (let hops = 0; entry?.kind === 'hardlink' && hops <= byPath.size; hops += 1) entry = byPath.get(entry.target);
  if (entry?.kind !== 'file') {
    const target = (byPath.get(path) as { target: string }).target;
    throw entryError(name, path, `hard link target ${quoted(target)} is not a file of the archive`);
  }
  return entry;
}

/** The common fields of an entry, whatever its kind. */
function stripFile(entry: ArchiveEntry): Pick<ArchiveEntry, 'path' | 'mode' | 'uid' | 'gid' | 'mtime'> {
  return { path: entry.path, mode: entry.mode, uid: entry.uid, gid: entry.gid, mtime: entry.mtime };
}

/** The header block(s) of one entry: a pax header first when ustar cannot hold it. */
function headers(name: string, entry: ArchiveEntry, mtime: number): Buffer[] {
  if (entry.kind === 'socket') throw entryError(name, entry.path, 'tar cannot hold sockets');
  const path = Buffer.from(entry.path === ROOT_PATH ? './' : entry.kind === 'dir' ? `${entry.path}/` : entry.path);
  const linkname = Buffer.from(entry.kind === 'symlink' || entry.kind === 'hardlink' ? entry.target : '');
  const size = entry.kind === 'file' ? entry.size : 0;
  const device = entry.kind === 'chardev' || entry.kind === 'blockdev' ? entry : { major: 0, minor: 0 };
  if (device.major > MAX_OCTAL_7 || device.minor > MAX_OCTAL_7) {
    throw entryError(name, entry.path, 'device number too large for tar');
  }
  const pax: Buffer[] = [];
  const split = splitUstarPath(path);
  if (split === undefined) pax.push(paxRecord('path', path.toString()));
  if (linkname.length > 100) pax.push(paxRecord('linkpath', linkname.toString()));
  if (size > MAX_OCTAL_11) pax.push(paxRecord('size', String(size)));
  const mtimeFits = Number.isInteger(mtime) && mtime >= 0 && mtime <= MAX_OCTAL_11;
  if (!mtimeFits) pax.push(paxRecord('mtime', String(mtime)));
  if (entry.uid > MAX_OCTAL_7 || entry.gid > MAX_OCTAL_7 || entry.uid < 0 || entry.gid < 0) {
    throw entryError(name, entry.path, 'owner id out of range for tar');
  }
  const fields: UstarFields = {
    ...(entry.uid === 0 && entry.gid === 0 ? {} : { owner: { uid: entry.uid, gid: entry.gid } }),
    name: split?.name ?? path.subarray(0, 100),
    prefix: split?.prefix ?? Buffer.alloc(0),
    mode: entry.mode & PERMISSIONS,
    size: size > MAX_OCTAL_11 ? 0 : size,
    mtime: mtimeFits ? mtime : 0,
    typeflag: TYPEFLAGS[entry.kind],
    linkname: linkname.subarray(0, 100),
    devmajor: device.major,
    devminor: device.minor,
  };
  if (pax.length === 0) return [encodeUstarHeader(fields)];
  const records = Buffer.concat(pax);
  const paxHeader = encodeUstarHeader({
    ...fields,
    name: paxHeaderName(entry.path),
    prefix: Buffer.alloc(0),
    mode: 0o644,
    size: records.length,
    typeflag: 'x',
    linkname: Buffer.alloc(0),
    devmajor: 0,
    devminor: 0,
  });
  const padding = Buffer.alloc((BLOCK - (records.length % BLOCK)) % BLOCK);
  return [paxHeader, records, padding, encodeUstarHeader(fields)];
}

/** `PaxHeaders/BASENAME`, cut to 100 bytes on a character boundary: no pid, unlike GNU tar's default. */
function paxHeaderName(path: string): Buffer {
  let name = 'PaxHeaders/';
  for (const char of path.slice(path.lastIndexOf('/') + 1)) {
    if (Buffer.byteLength(name + char) > 100) break;
    name += char;
  }
  return Buffer.from(name);
}
