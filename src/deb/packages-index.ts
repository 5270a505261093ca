import { createReadStream } from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { ByteReader } from '../archive/byte-reader.js';
import {
  type Compression,
  createXzDecompressor,
  createZstdDecompressor,
  sniffCompression,
} from '../archive/decompress.js';
import { quoted } from '../config/quote.js';

import { ArchiveError, InputError } from '../errors.js';

/** The fields of one binary package's stanza that fetching and checking its `.deb` needs. */
export interface PackageStanza {
  readonly package: string;
  readonly version: string;
  /** The `.deb`'s path below the archive root (`pool/main/l/lshw/lshw_…_amd64.deb`). */
  readonly filename: string;
  readonly size: number;
  /** Lower-case hex. */
  readonly sha256?: string;
  /** Lower-case hex (the index's `MD5sum`). */
  readonly md5?: string;
  readonly architecture?: string;
}

export interface PackagesIndex {
  /** Where the index came from, for messages. */
  readonly url: string;
  /** The first stanza of each package, by name. */
  readonly packages: ReadonlyMap<string, PackageStanza>;
}

export interface FoundPackage {
  readonly stanza: PackageStanza;
  /** The index that had it. */
  readonly index: PackagesIndex;
}

/**
 * The package `name` from the first index that lists it (upstream's
 * download-deb-pkg took the first line of the indexes it had concatenated,
 * in order). Not found anywhere: an InputError naming the package and every
 * index searched.
 */
export function findPackage(indexes: readonly PackagesIndex[], name: string): FoundPackage {
  for (const index of indexes) {
    const stanza = index.packages.get(name);
    if (stanza !== undefined) return { stanza, index };
  }
  const searched = indexes.length === 0 ? 'no index was given' : indexes.map((index) => index.url).join(', ');
  throw new InputError(`Debian package ${quoted(name)} is in none of the package indexes (${searched})`);
}

const SUFFIXES: readonly [string, Exclude<Compression, 'none'>][] = [
  ['.gz', 'gzip'],
  ['.xz', 'xz'],
  ['.zst', 'zstd'],
];

/**
 * Reads a `Packages` index file, plain or compressed (gzip, xz or zstd, told
 * by the content's magic; a name ending in `.gz`, `.xz` or `.zst` must match
 * it), streaming. `url` names the index in messages. A malformed index is an
 * InputError naming it and the line; undecodable compressed data is an
 * ArchiveError.
 */
export async function readPackagesIndex(path: string, url: string): Promise<PackagesIndex> {
  const raw = createReadStream(path);
  const head = new ByteReader(raw);
  let text: Readable | undefined;
  try {
    const compression = sniffCompression(await head.peek(6));
    const named = SUFFIXES.find(([suffix]) => url.endsWith(suffix) || path.endsWith(suffix))?.[1];
    if (named !== undefined && named !== compression) throw new ArchiveError(`${url}: not ${named} data`);
    text = decompressed(compression, head, url);
    const packages = new Map<string, PackageStanza>();
    const parser = new StanzaParser(url);
    const keep = (stanza: PackageStanza | undefined) => {
      if (stanza !== undefined && !packages.has(stanza.package)) packages.set(stanza.package, stanza);
    };
    for await (const batch of lineBatches(text)) for (const line of batch) keep(parser.line(line));
    keep(parser.end());
    return { url, packages };
  } catch (error) {
    if (error instanceof InputError || error instanceof ArchiveError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    const Class = (error as NodeJS.ErrnoException).code?.startsWith('Z_') ? ArchiveError : InputError;
    throw new Class(`${url}: cannot read package index: ${message}`, { cause: error });
  } finally {
    text?.destroy();
    raw.destroy();
    await head.close();
  }
}

function decompressed(compression: Compression, head: ByteReader, url: string): Readable {
  const bytes = Readable.from(head.rest());
  if (compression === 'none') return bytes;
  const decoder =
    compression === 'gzip'
      ? createGunzip()
      : compression === 'xz'
        ? createXzDecompressor({ name: url })
        : createZstdDecompressor({ name: url });
  // Failures reach the reader through the decoder, which the pipeline destroys with them.
  return pipeline(bytes, decoder, () => {});
}

/** Parses a whole index held in memory: every stanza, in order. */
export function parsePackages(text: string, source: string): PackageStanza[] {
  const parser = new StanzaParser(source);
  const out: PackageStanza[] = [];
  for (const line of text.split('\n')) {
    const stanza = parser.line(line);
    if (stanza !== undefined) out.push(stanza);
  }
  const last = parser.end();
  if (last !== undefined) out.push(last);
  return out;
}

/** The text's lines, a chunk's worth at a time (one await per line would dominate the parse). */
async function* lineBatches(text: Readable): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  for await (const chunk of text) {
    const parts = (pending + decoder.write(chunk as Buffer)).split('\n');
    pending = parts.pop() as string;
    yield parts;
  }
  pending += decoder.end();
  if (pending !== '') yield [pending];
}

const FIELD = /^([^\s:#-][^\s:]*):(.*)$/;
const HEX = (length: number) => new RegExp(`^[0-9a-fA-F]{${length}}$`);
const SHA256 = HEX(64);
const MD5 = HEX(32);

/**
 * deb822 paragraphs, one line at a time: `Field: value` lines, continuation
 * lines starting with a space or tab, paragraphs separated by blank (or
 * whitespace-only) lines. Field names are case-insensitive.
 */
class StanzaParser {
  #fields = new Map<string, string>();
  #last: string | undefined;
  #lineNumber = 0;
  #start = 0;

  constructor(private readonly source: string) {}

  line(raw: string): PackageStanza | undefined {
    this.#lineNumber += 1;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return this.end();
    if (this.#fields.size === 0) this.#start = this.#lineNumber;
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (this.#last === undefined) this.#fail('continuation line without a field');
      this.#fields.set(this.#last, `${this.#fields.get(this.#last)}\n${line.trim()}`);
      return undefined;
    }
    const match = FIELD.exec(line);
    if (!match) this.#fail(`not a 'Field: value' line: ${quoted(line)}`);
    const key = (match[1] as string).toLowerCase();
    if (this.#fields.has(key)) this.#fail(`field ${quoted(match[1] as string)} appears twice in one stanza`);
    this.#fields.set(key, (match[2] as string).trim());
    this.#last = key;
    return undefined;
  }

  /** The stanza in progress, if any; call at the end of the input. */
  end(): PackageStanza | undefined {
    const fields = this.#fields;
    this.#last = undefined;
    if (fields.size === 0) return undefined;
    this.#fields = new Map();
    return this.#stanza(fields);
  }

  #stanza(fields: Map<string, string>): PackageStanza {
    const at = `stanza at line ${this.#start}`;
    const required = (key: string): string => {
      const value = fields.get(key);
      if (value === undefined || value === '') this.#fail(`${at} has no ${key[0]?.toUpperCase()}${key.slice(1)} field`);
      return value;
    };
    const name = required('package');
    const problem = (what: string) => this.#fail(`package ${quoted(name)}: ${what}`);
    if (/\s/.test(name)) problem('the name contains whitespace');
    const filename = required('filename');
    if (filename.startsWith('/') || filename.split('/').some((s) => s === '..' || s === '' || s === '.')) {
      problem(`Filename ${quoted(filename)} is not a relative path inside the archive`);
    }
    const sizeText = required('size');
    const size = Number(sizeText);
    if (!/^[0-9]+$/.test(sizeText) || !Number.isSafeInteger(size)) problem(`bad Size ${quoted(sizeText)}`);
    const sha256 = fields.get('sha256');
    if (sha256 !== undefined && !SHA256.test(sha256)) problem(`bad SHA256 ${quoted(sha256)}`);
    const md5 = fields.get('md5sum');
    if (md5 !== undefined && !MD5.test(md5)) problem(`bad MD5sum ${quoted(md5)}`);
    const architecture = fields.get('architecture');
    return {
      package: name,
      version: required('version'),
      filename,
      size,
      ...(sha256 !== undefined && { sha256: sha256.toLowerCase() }),
      ...(md5 !== undefined && { md5: md5.toLowerCase() }),
      ...(architecture !== undefined && { architecture }),
    };
  }

  #fail(problem: string): never {
    throw new InputError(`${this.source}: line ${this.#lineNumber}: ${problem}`);
  }
}
