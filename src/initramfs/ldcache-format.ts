import { libcmp } from './libcmp.js';

/**
 * The `glibc-ld.so.cache1.1` file, laid out byte for byte as glibc 2.36's
 * ldconfig writes it with its default `--format=new` (every glibc since 2.2
 * reads it): a 48-byte header, 24-byte entries, a tail-merged string table,
 * then the extension directory naming the generator. Little-endian: x86.
 */

export interface CacheEntry {
  /** The soname ld.so looks up. */
  readonly key: string;
  /** The absolute path in the target root. */
  readonly value: string;
  readonly flags: number;
}

const MAGIC = 'glibc-ld.so.cache1.1';
const HEADER_SIZE = 48;
const ENTRY_SIZE = 24;
const ENDIAN_LITTLE = 2;
const EXTENSION_MAGIC = 0xeaa42174;
const EXTENSION_TAG_GENERATOR = 0;

/**
 * Entries in ld.so's binary-search order, as ldconfig inserts them one by
 * one: keys descending by `libcmp`, then higher flags first; entries that
 * compare equal stay in the order they were added, so the first directory
 * scanned wins a lookup.
 */
export function sortCacheEntries(added: readonly CacheEntry[]): CacheEntry[] {
  const sorted: CacheEntry[] = [];
  const keys = new Map<CacheEntry, Buffer>(added.map((e) => [e, Buffer.from(e.key)]));
  const key = (e: CacheEntry) => keys.get(e) as Buffer;
  for (const entry of added) {
    const at = sorted.findIndex((other) => compare(key(other), other.flags, key(entry), entry.flags) > 0);
    sorted.splice(at < 0 ? sorted.length : at, 0, entry);
  }
  return sorted;
}

function compare(keyA: Buffer, flagsA: number, keyB: Buffer, flagsB: number): number {
  const byKey = libcmp(keyB, keyA);
  if (byKey !== 0) return byKey;
  return flagsA < flagsB ? 1 : flagsA > flagsB ? -1 : 0;
}

/** The cache file for entries already in `sortCacheEntries` order. */
export function encodeLdCache(entries: readonly CacheEntry[], generator: string): Buffer {
  const table = stringTable(entries.flatMap((e) => [e.key, e.value]));
  const stringsAt = HEADER_SIZE + entries.length * ENTRY_SIZE;
  const extensionAt = align4(stringsAt + table.bytes.length);
  const generatorBytes = Buffer.from(generator);
  const extensionSize = 8 + 16;
  const out = Buffer.alloc(extensionAt + extensionSize + generatorBytes.length);

  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(entries.length, 20);
  out.writeUInt32LE(table.bytes.length, 24);
  out.writeUInt8(ENDIAN_LITTLE, 28);
  out.writeUInt32LE(extensionAt, 32);
  entries.forEach((entry, i) => {
    const at = HEADER_SIZE + i * ENTRY_SIZE;
    out.writeInt32LE(entry.flags, at);
    out.writeUInt32LE(stringsAt + table.offset(entry.key), at + 4);
    out.writeUInt32LE(stringsAt + table.offset(entry.value), at + 8);
    // osversion (unused since 2.36) and hwcap stay zero.
  });
  table.bytes.copy(out, stringsAt);

  out.writeUInt32LE(EXTENSION_MAGIC, extensionAt);
  out.writeUInt32LE(1, extensionAt + 4);
  out.writeUInt32LE(EXTENSION_TAG_GENERATOR, extensionAt + 8);
  out.writeUInt32LE(0, extensionAt + 12);
  out.writeUInt32LE(extensionAt + extensionSize, extensionAt + 16);
  out.writeUInt32LE(generatorBytes.length, extensionAt + 20);
  generatorBytes.copy(out, extensionAt + extensionSize);
  return out;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

interface StringTable {
  readonly bytes: Buffer;
  offset(value: string): number;
}

/**
 * ldconfig's string table: distinct strings sorted so that each one follows
 * a string it may be a suffix of (compared from the end, longer first), and
 * a string that is the tail of the one before shares its bytes.
 */
export function stringTable(values: readonly string[]): StringTable {
  const strings = [...new Set(values)].map((value) => ({ value, bytes: Buffer.from(value), offset: 0 }));
  strings.sort((a, b) => compareReversed(a.bytes, b.bytes));
  let size = 0;
  strings.forEach((current, i) => {
    const previous = strings[i - 1];
    if (previous === undefined) {
      current.offset = 0;
    } else if (isTail(current.bytes, previous.bytes)) {
      current.offset = previous.offset + previous.bytes.length - current.bytes.length;
    } else {
      current.offset = previous.offset + previous.bytes.length + 1;
    }
    size = current.offset + current.bytes.length + 1;
  });
  const bytes = Buffer.alloc(size);
  for (const s of strings) s.bytes.copy(bytes, s.offset);
  const offsets = new Map(strings.map((s) => [s.value, s.offset]));
  return {
    bytes,
    offset(value) {
      const found = offsets.get(value);
      if (found === undefined) throw new TypeError(`string not in the table: ${value}`);
      return found;
    },
  };
}

/** Reverse lexicographic order of the reversed strings; of a string and its tail, the longer first. */
function compareReversed(a: Buffer, b: Buffer): number {
  const common = Math.min(a.length, b.length);
  for (let i = 1; i <= common; i++) {
    const diff = (b[b.length - i] as number) - (a[a.length - i] as number);
    if (diff !== 0) return diff;
  }
  return b.length - a.length;
}

function isTail(tail: Buffer, of: Buffer): boolean {
  return of.length >= tail.length && of.subarray(of.length - tail.length).equals(tail);
}
