import { quoted } from '../config/quote.js';
import { ArchiveError } from '../errors.js';
import type { ByteReader } from './byte-reader.js';
import type { ArchiveEntry } from './entry.js';
import { EntryBody } from './entry-body.js';
import { PERMISSIONS } from './mode.js';
import { PathGuard } from './path-guard.js';
import {
  checkSymlinkTarget,
  decodeName,
  entryError,
  normaliseHardlinkTarget,
  normaliseMemberName,
  ROOT_PATH,
} from './safe-path.js';
import { type ArchiveSource, type OpenedArchive, parseArchive, type ReadOptions } from './source.js';
import { BLOCK, decodeTarHeader, isZeroBlock, parsePax, type TarHeader } from './tar-header.js';

export type { ReadOptions };

/** Extension headers (pax, GNU long names) are metadata: anything this large is hostile. */
const MAX_EXTENSION = 1024 * 1024;

/** Per-entry overrides from pax and GNU long-name headers. */
interface Extensions {
  pax: Map<string, string>;
  longName?: Buffer;
  longLink?: Buffer;
}

/**
 * Streams the entries of a tar archive, gzipped or not (ustar, pax and GNU
 * long names). Each file body must be read before asking for the next entry
 * (see EntryBody). Refused with an ArchiveError naming the archive and the
 * entry: absolute names and `..`, hard links to anything but an earlier
 * regular file, entries under a symlink of the same archive, sparse and
 * multi-volume entries, and (unless `allowDevices`) device nodes and FIFOs.
 * Reading stops at the first zero block.
 */
export function readTar(source: ArchiveSource, options: ReadOptions = {}): AsyncGenerator<ArchiveEntry> {
  return parseArchive(source, options, (archive, allowDevices) => new TarParser(archive, allowDevices).entries());
}

class TarParser {
  readonly #name: string;
  readonly #reader: ByteReader;
  readonly #guard: PathGuard;
  readonly #global = new Map<string, string>();

  constructor(
    archive: OpenedArchive,
    private readonly allowDevices: boolean,
  ) {
    this.#name = archive.name;
    this.#reader = archive.reader;
    this.#guard = new PathGuard(archive.name);
  }

  async *entries(): AsyncGenerator<ArchiveEntry> {
    let extensions: Extensions = { pax: new Map() };
    for (;;) {
      const at = this.#reader.position;
      const atEnd = await this.#reader.atEnd();
      const block = atEnd ? undefined : await this.#reader.read(BLOCK);
      if (block === undefined) {
        // Tolerated: a missing end-of-archive marker, but not a cut block or a dangling extension header.
        if (!atEnd || extensions.pax.size > 0 || extensions.longName || extensions.longLink) {
          throw new ArchiveError(`${this.#name}: archive is truncated`);
        }
        return;
      }
      if (isZeroBlock(block)) return;
      const header = this.#decode(block, at);
      switch (header.typeflag) {
        case 'x':
          for (const [key, value] of parsePax(await this.#extension(header))) extensions.pax.set(key, value);
          continue;
        case 'g':
          for (const [key, value] of parsePax(await this.#extension(header))) this.#global.set(key, value);
          continue;
        case 'L':
          extensions.longName = trimNul(await this.#extension(header));
          continue;
        case 'K':
          extensions.longLink = trimNul(await this.#extension(header));
          continue;
        case 'V':
          await this.#skipData(header.size);
          continue;
        default:
          yield* this.#entry(header, extensions);
          extensions = { pax: new Map() };
      }
    }
  }

  async *#entry(header: TarHeader, extensions: Extensions): AsyncGenerator<ArchiveEntry> {
    const pax = new Map([...this.#global, ...extensions.pax]);
    const rawName = nonEmpty(pax.get('path')) ?? decodeName(this.#name, extensions.longName ?? header.name);
    const path = normaliseMemberName(this.#name, rawName);
    const linkname = nonEmpty(pax.get('linkpath')) ?? decodeName(this.#name, extensions.longLink ?? header.linkname);
    const number = (key: string, fallback: number): number => {
      const text = nonEmpty(pax.get(key));
      if (text === undefined) return fallback;
      const value = Math.floor(Number(text));
      if (!Number.isSafeInteger(value)) throw entryError(this.#name, rawName, `bad pax ${key} ${quoted(text)}`);
      return value;
    };
    const size = number('size', header.size);
    const common = {
      path,
      mode: header.mode & PERMISSIONS,
      uid: number('uid', header.uid),
      gid: number('gid', header.gid),
      mtime: number('mtime', header.mtime),
    };
    const kind = kindOf(header.typeflag, rawName);
    if (kind === undefined) {
      throw entryError(this.#name, rawName, `unsupported tar entry type ${quoted(header.typeflag)}`);
    }
    if (path === ROOT_PATH && kind !== 'dir') throw entryError(this.#name, rawName, 'root entry is not a directory');
    this.#guard.check(path, kind);
    switch (kind) {
      case 'file': {
        this.#guard.record(path, kind);
        const body = new EntryBody(this.#reader, { archive: this.#name, path, size });
        try {
          yield { ...common, kind, size, data: body.data() };
          await body.finish();
        } finally {
          body.abandon();
        }
        await this.#skip(path, padding(size));
        return;
      }
      case 'hardlink': {
        const target = normaliseHardlinkTarget(this.#name, path, linkname);
        this.#guard.check(target, kind);
        this.#guard.checkHardlink(path, target);
        this.#guard.record(path, kind);
        yield { ...common, kind, target };
        return;
      }
      case 'symlink': {
        const target = checkSymlinkTarget(this.#name, path, linkname);
        this.#guard.record(path, kind, target);
        yield { ...common, kind, target };
        return;
      }
      case 'dir':
        this.#guard.record(path, kind);
        yield { ...common, kind };
        return;
      default:
        if (!this.allowDevices) throw entryError(this.#name, path, `${kind} entries are not allowed`);
        this.#guard.record(path, kind);
        yield kind === 'fifo'
          ? { ...common, kind }
          : { ...common, kind, major: header.devmajor, minor: header.devminor };
    }
  }

  #decode(block: Buffer, at: number): TarHeader {
    try {
      return decodeTarHeader(block);
    } catch (error) {
      throw new ArchiveError(`${this.#name}: ${(error as Error).message} at byte ${at}`);
    }
  }

  async #extension(header: TarHeader): Promise<Buffer> {
    if (header.size > MAX_EXTENSION) {
      throw new ArchiveError(
        `${this.#name}: oversized ${quoted(header.typeflag)} extension header (${header.size} bytes)`,
      );
    }
    const body = await this.#reader.read(header.size);
    if (body === undefined) throw new ArchiveError(`${this.#name}: archive is truncated`);
    await this.#skip('extension header', padding(header.size));
    return body;
  }

  async #skipData(size: number): Promise<void> {
    await this.#skip('volume header', size + padding(size));
  }

  async #skip(path: string, n: number): Promise<void> {
    if (!(await this.#reader.discard(n))) throw entryError(this.#name, path, 'archive is truncated');
  }
}

type TarKind = ArchiveEntry['kind'];

function kindOf(typeflag: string, rawName: string): Exclude<TarKind, 'socket'> | undefined {
  switch (typeflag) {
    case '0':
    case '7':
      return 'file';
    case '\0':
      // Pre-POSIX tars mark directories only by the trailing slash.
      return rawName.endsWith('/') ? 'dir' : 'file';
    case '1':
      return 'hardlink';
    case '2':
      return 'symlink';
    case '3':
      return 'chardev';
    case '4':
      return 'blockdev';
    case '5':
      return 'dir';
    case '6':
      return 'fifo';
    default:
      return undefined;
  }
}

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** An empty pax value cancels the override. */
function nonEmpty(value: string | undefined): string | undefined {
  return value === '' ? undefined : value;
}

function trimNul(bytes: Buffer): Buffer {
  const end = bytes.indexOf(0);
  return end < 0 ? bytes : bytes.subarray(0, end);
}
