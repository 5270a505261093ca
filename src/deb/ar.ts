import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { ByteReader } from '../archive/byte-reader.js';
import { EntryBody } from '../archive/entry-body.js';
import { entryError } from '../archive/safe-path.js';
import { wrapReadError } from '../archive/source.js';
import { quoted } from '../config/quote.js';
import { ArchiveError } from '../errors.js';

export interface ArMember {
  /** The member's name, GNU terminators and long-name references resolved. */
  readonly name: string;
  readonly size: number;
  /** Permission bits from the header. */
  readonly mode: number;
  /** Seconds since the epoch. */
  readonly mtime: number;
  /** The member's bytes, once: read (or leave) them before asking for the next member. */
  open(): Readable;
}

export interface ReadArOptions {
  /** How errors name the archive (default: the path given). */
  readonly name?: string;
}

const MAGIC = Buffer.from('!<arch>\n', 'latin1');
const HEADER = 60;
/** GNU's long-name table is metadata: anything this large is hostile. */
const MAX_NAME_TABLE = 1024 * 1024;

/**
 * Streams the members of an `ar` archive (the container of a `.deb`): the
 * common format with GNU's `name/` terminators, its `//` long-name table and
 * `/N` references; the `/` and `/SYM64/` symbol tables are skipped. Anything
 * malformed or hostile (bad magic or header, sizes past the end, names with
 * `/` or control characters, BSD `#1/` names, thin archives) is refused with
 * an ArchiveError naming the archive and the member.
 */
export async function* readAr(source: string | Readable, options: ReadArOptions = {}): AsyncGenerator<ArMember> {
  const name = options.name ?? (typeof source === 'string' ? source : 'ar stream');
  const stream = typeof source === 'string' ? createReadStream(source) : source;
  const reader = new ByteReader(stream);
  try {
    yield* new ArParser(name, reader).members();
  } catch (error) {
    throw wrapReadError(name, error);
  } finally {
    stream.destroy();
    await reader.close();
  }
}

interface Header {
  readonly rawName: string;
  readonly mtime: number;
  readonly mode: number;
  readonly size: number;
}

class ArParser {
  #names: Buffer | undefined;

  constructor(
    private readonly archive: string,
    private readonly reader: ByteReader,
  ) {}

  async *members(): AsyncGenerator<ArMember> {
    const magic = await this.reader.read(MAGIC.length);
    if (magic === undefined || !magic.equals(MAGIC)) {
      const thin = magic?.toString('latin1') === '!<thin>\n';
      throw new ArchiveError(`${this.archive}: ${thin ? 'thin ar archives are not supported' : 'not an ar archive'}`);
    }
    for (;;) {
      const at = this.reader.position;
      if (await this.reader.atEnd()) return;
      const block = await this.reader.read(HEADER);
      if (block === undefined) throw new ArchiveError(`${this.archive}: truncated member header at byte ${at}`);
      const header = this.#decode(block, at);
      if (header.rawName === '/' || header.rawName === '/SYM64/') {
        await this.#skip(header.rawName, header.size + (header.size % 2));
        continue;
      }
      if (header.rawName === '//') {
        if (header.size > MAX_NAME_TABLE)
          throw entryError(this.archive, '//', `oversized long-name table (${header.size} bytes)`);
        const table = await this.reader.read(header.size);
        if (table === undefined) throw entryError(this.archive, '//', 'archive is truncated');
        this.#names = table;
        await this.#skip('//', header.size % 2);
        continue;
      }
      const name = this.#memberName(header.rawName);
      const body = new EntryBody(this.reader, { archive: this.archive, path: name, size: header.size });
      try {
        // An entry body's data is always the stream form.
        const { open } = body.data() as { readonly open: () => Readable };
        yield { name, size: header.size, mode: header.mode, mtime: header.mtime, open };
        await body.finish();
      } finally {
        body.abandon();
      }
      // Members start on even offsets; an odd-sized one is followed by one pad byte.
      await this.#skip(name, header.size % 2);
    }
  }

  #decode(block: Buffer, at: number): Header {
    if (block.toString('latin1', 58, 60) !== '`\n') {
      throw new ArchiveError(`${this.archive}: bad member header at byte ${at}`);
    }
    const rawName = block.toString('latin1', 0, 16).replace(/ +$/, '');
    const number = (start: number, length: number, radix: 8 | 10, field: string, required: boolean): number => {
      const text = block.toString('latin1', start, start + length).replace(/ +$/, '');
      if (text === '' && !required) return 0;
      const digits = radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
      if (!digits.test(text)) {
        throw entryError(this.archive, rawName, `bad ${field} ${quoted(text)} in member header at byte ${at}`);
      }
      return Number.parseInt(text, radix);
    };
    return {
      rawName,
      mtime: number(16, 12, 10, 'mtime', false),
      mode: number(40, 8, 8, 'mode', false) & 0o7777,
      size: number(48, 10, 10, 'size', true),
    };
  }

  /** Resolves GNU's forms: `name/`, `/N` into the long-name table, or a plain name. */
  #memberName(raw: string): string {
    let name: string;
    if (/^\/[0-9]+$/.test(raw)) {
      const table = this.#names;
      if (table === undefined) throw entryError(this.archive, raw, 'long-name reference without a // table');
      const offset = Number(raw.slice(1));
      const end = table.indexOf('/\n', offset);
      if (offset >= table.length || end < 0) throw entryError(this.archive, raw, 'long-name reference out of range');
      name = table.toString('latin1', offset, end);
    } else if (raw.startsWith('#1/')) {
      throw entryError(this.archive, raw, 'BSD long member names are not supported');
    } else {
      name = raw.endsWith('/') ? raw.slice(0, -1) : raw;
    }
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
    if (name === '' || name === '.' || name === '..' || /[/\u0000-\u001f\u007f]/.test(name)) {
      throw entryError(this.archive, name || raw, 'bad member name');
    }
    return name;
  }

  async #skip(member: string, n: number): Promise<void> {
    if (!(await this.reader.discard(n))) throw entryError(this.archive, member, 'archive is truncated');
  }
}
