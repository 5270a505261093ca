import { ArchiveError } from '../errors.js';
import type { ByteReader } from './byte-reader.js';
import { decodeNewcHeader, NEWC_HEADER_SIZE, type NewcHeader, pad4, TRAILER_NAME } from './cpio-header.js';
import type { ArchiveEntry, FileEntry } from './entry.js';
import { EntryBody } from './entry-body.js';
import { isSpecial, kindOfMode, PERMISSIONS } from './mode.js';
import { PathGuard } from './path-guard.js';
import { checkSymlinkTarget, decodeName, entryError, normaliseMemberName, ROOT_PATH } from './safe-path.js';
import { type ArchiveSource, type OpenedArchive, parseArchive, type ReadOptions } from './source.js';

export type { ReadOptions };

/** Linux's PATH_MAX: the kernel's initramfs unpacker refuses longer names and link targets. */
const PATH_MAX = 4096;

type Member = Omit<FileEntry, 'kind' | 'size' | 'data'>;

/** Regular files sharing (dev, ino) within one archive section. */
interface LinkGroup {
  /** Earlier names without data, waiting for the name that carries it. */
  pending: Member[];
  /** The name that carried the data. */
  carrier?: string;
}

/**
 * Streams the entries of a cpio newc (`070701`) or crc (`070702`) archive,
 * gzipped or not. Each file body must be read before asking for the next
 * entry (see EntryBody); crc checksums are verified.
 *
 * Hard links: newc marks them by a shared inode with nlink > 1. GNU cpio and
 * busybox put the data on the last name and write the earlier ones empty, so
 * the earlier names are held back (headers only) until the data-carrying name
 * arrives, then yielded as `hardlink` entries targeting it, immediately
 * followed by the `file` entry: archive order is kept, and the hard links
 * come before their file. Archives with the data on the first name yield the
 * `file` first and the later names as hard links after it. A group that never
 * carries data becomes an empty file (its last name) at the trailer.
 *
 * Each entry keeps the header's `nlink`. After `TRAILER!!!`, zero padding is
 * skipped and a concatenated archive is read on, as the kernel does.
 */
export function readCpio(source: ArchiveSource, options: ReadOptions = {}): AsyncGenerator<ArchiveEntry> {
  return parseArchive(source, options, (archive, allowDevices) => new CpioParser(archive, allowDevices).entries());
}

class CpioParser {
  readonly #name: string;
  readonly #reader: ByteReader;
  readonly #guard: PathGuard;
  #groups = new Map<string, LinkGroup>();

  constructor(
    archive: OpenedArchive,
    private readonly allowDevices: boolean,
  ) {
    this.#name = archive.name;
    this.#reader = archive.reader;
    this.#guard = new PathGuard(archive.name);
  }

  async *entries(): AsyncGenerator<ArchiveEntry> {
    for (;;) {
      const header = await this.#header();
      const rawName = await this.#memberName(header);
      if (rawName === TRAILER_NAME) {
        await this.#skipData(rawName, header.filesize);
        yield* this.#flushGroups();
        if (!(await this.#skipZeroPadding())) return;
        continue;
      }
      yield* this.#member(header, rawName);
    }
  }

  async *#member(header: NewcHeader, rawName: string): AsyncGenerator<ArchiveEntry> {
    const path = normaliseMemberName(this.#name, rawName);
    const kind = kindOfMode(header.mode);
    if (kind === undefined) throw entryError(this.#name, path, `unknown file type in mode ${header.mode.toString(8)}`);
    if (path === ROOT_PATH && kind !== 'dir') throw entryError(this.#name, path, 'root entry is not a directory');
    this.#guard.check(path, kind);
    const common = {
      path,
      mode: header.mode & PERMISSIONS,
      uid: header.uid,
      gid: header.gid,
      mtime: header.mtime,
      nlink: header.nlink,
    };
    switch (kind) {
      case 'file':
        yield* this.#file(header, common);
        return;
      case 'symlink': {
        const target = await this.#symlinkTarget(path, header.filesize);
        this.#guard.record(path, kind, target);
        yield { ...common, kind, target };
        return;
      }
      case 'dir':
        this.#expectEmpty(path, header.filesize);
        this.#guard.record(path, kind);
        yield { ...common, kind };
        return;
      default:
        if (!this.allowDevices || !isSpecial(kind))
          throw entryError(this.#name, path, `${kind} entries are not allowed`);
        this.#expectEmpty(path, header.filesize);
        this.#guard.record(path, kind);
        if (kind === 'chardev' || kind === 'blockdev') {
          yield { ...common, kind, major: header.rdevmajor, minor: header.rdevminor };
        } else {
          yield { ...common, kind };
        }
    }
  }

  async *#file(header: NewcHeader, member: Member): AsyncGenerator<ArchiveEntry> {
    this.#guard.record(member.path, 'file');
    if (header.nlink < 2) {
      yield* this.#body(header, member);
      return;
    }
    const key = `${header.devmajor}:${header.devminor}:${header.ino}`;
    const group = this.#groups.get(key) ?? { pending: [] };
    this.#groups.set(key, group);
    if (group.carrier !== undefined) {
      if (header.filesize > 0) throw entryError(this.#name, member.path, 'second copy of a hard-linked file');
      yield { ...member, kind: 'hardlink', target: group.carrier };
      return;
    }
    if (header.filesize === 0 && group.pending.length + 1 < header.nlink) {
      group.pending.push(member);
      return;
    }
    group.carrier = member.path;
    for (const link of group.pending.splice(0)) yield { ...link, kind: 'hardlink', target: member.path };
    yield* this.#body(header, member);
  }

  async *#body(header: NewcHeader, member: Member): AsyncGenerator<ArchiveEntry> {
    let sum = 0;
    const body = new EntryBody(this.#reader, {
      archive: this.#name,
      path: member.path,
      size: header.filesize,
      ...(header.format === 'crc' && {
        onData: (chunk: Buffer) => {
          for (const byte of chunk) sum = (sum + byte) >>> 0;
        },
        onEnd: () => {
          if (sum !== header.check) throw entryError(this.#name, member.path, 'cpio crc checksum mismatch');
        },
      }),
    });
    try {
      yield { ...member, kind: 'file', size: header.filesize, data: body.data() };
      await body.finish();
    } finally {
      body.abandon();
    }
    await this.#skip(member.path, pad4(header.filesize));
  }

  /** At a trailer: groups that never carried data become empty files named by their last member. */
  *#flushGroups(): Generator<ArchiveEntry> {
    for (const group of this.#groups.values()) {
      const last = group.pending.pop();
      if (last === undefined) continue;
      for (const link of group.pending) yield { ...link, kind: 'hardlink', target: last.path };
      yield { ...last, kind: 'file', size: 0, data: { from: 'buffer', data: Buffer.alloc(0) } };
    }
    this.#groups = new Map();
  }

  async #header(): Promise<NewcHeader> {
    const at = this.#reader.position;
    const block = await this.#reader.read(NEWC_HEADER_SIZE);
    if (block === undefined) throw new ArchiveError(`${this.#name}: archive is truncated (no ${TRAILER_NAME})`);
    try {
      return decodeNewcHeader(block);
    } catch (error) {
      throw new ArchiveError(`${this.#name}: ${(error as Error).message} at byte ${at}`);
    }
  }

  async #memberName(header: NewcHeader): Promise<string> {
    if (header.namesize < 2 || header.namesize > PATH_MAX) {
      throw new ArchiveError(`${this.#name}: bad name size ${header.namesize} at byte ${this.#reader.position}`);
    }
    const bytes = await this.#reader.read(header.namesize);
    if (bytes === undefined) throw new ArchiveError(`${this.#name}: archive is truncated`);
    const name = decodeName(this.#name, bytes.subarray(0, -1));
    if (bytes[bytes.length - 1] !== 0) throw entryError(this.#name, name, 'name is not NUL-terminated');
    await this.#skip(name, pad4(NEWC_HEADER_SIZE + header.namesize));
    return name;
  }

  async #symlinkTarget(path: string, size: number): Promise<string> {
    if (size === 0 || size >= PATH_MAX) throw entryError(this.#name, path, `bad symlink target length ${size}`);
    const bytes = await this.#reader.read(size);
    if (bytes === undefined) throw entryError(this.#name, path, 'archive is truncated');
    await this.#skip(path, pad4(size));
    return checkSymlinkTarget(this.#name, path, decodeName(this.#name, bytes));
  }

  #expectEmpty(path: string, size: number): void {
    if (size !== 0) throw entryError(this.#name, path, `unexpected data (${size} bytes) for a non-file entry`);
  }

  async #skipData(path: string, size: number): Promise<void> {
    await this.#skip(path, size + pad4(size));
  }

  async #skip(path: string, n: number): Promise<void> {
    if (!(await this.#reader.discard(n))) throw entryError(this.#name, path, 'archive is truncated');
  }

  /** Skips the NULs after a trailer; true when another archive follows. */
  async #skipZeroPadding(): Promise<boolean> {
    for (;;) {
      const ahead = await this.#reader.peek(512);
      if (ahead.length === 0) return false;
      const zeros = ahead.findIndex((byte) => byte !== 0);
      await this.#reader.discard(zeros === -1 ? ahead.length : zeros);
      if (zeros !== -1) return true;
    }
  }
}
