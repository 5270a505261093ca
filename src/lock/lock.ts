import { quoted } from '../config/quote.js';
import { LockError } from '../errors.js';

/** The lockfile's default name, beside the builtin list. */
export const LOCK_NAME = 'mkbundle.lock.json';
export const LOCK_FORMAT = 1;

/** One input a build fetched, as bundle.json records it (URLs redacted). */
export interface LockedInput {
  readonly url: string;
  readonly size: number;
  readonly sha256: string;
}

export interface LockedGem {
  readonly name: string;
  readonly version: string;
}

/**
 * mkbundle.lock.json: what one bundle run fetched, enough for `--frozen`
 * to build the same again or name what changed. Live indexes (gem indexes,
 * Debian `Packages`) are not in it: they change whenever anything is
 * published, so what is locked is what was picked from them.
 */
export interface Lock {
  readonly format: typeof LOCK_FORMAT;
  /** The list entries the lock was made for, in list order (`NAME.tcz`, `PACKAGE.deb`). */
  readonly lists: { readonly builtin: readonly string[]; readonly mirror: readonly string[] };
  readonly followDeps: boolean;
  /** Every extension fetched per list: the entries and their `.dep` closure, in fetch order. */
  readonly closure: { readonly builtin: readonly string[]; readonly mirror: readonly string[] };
  readonly gems: readonly LockedGem[];
  /** Sorted by URL. */
  readonly inputs: readonly LockedInput[];
  /** Optional files (`.dep`) that were not there, sorted: one that appears later is a change. */
  readonly absent: readonly string[];
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The lock with its arrays in their canonical order, so that the same build gives the same bytes. */
export function canonicalLock(lock: Omit<Lock, 'format'>): Lock {
  return {
    format: LOCK_FORMAT,
    lists: lock.lists,
    followDeps: lock.followDeps,
    closure: lock.closure,
    gems: [...lock.gems].sort((a, b) => byText(a.name, b.name)),
    inputs: [...lock.inputs].sort((a, b) => byText(a.url, b.url)),
    absent: [...lock.absent].sort(byText),
  };
}

export function formatLock(lock: Lock): string {
  return `${JSON.stringify(lock, null, 2)}\n`;
}

type Json = unknown;

const isRecord = (value: Json): value is Record<string, Json> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function strings(value: Json, what: string, file: string): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new LockError(`${file}: ${what} must be a list of strings`);
  }
  return value;
}

function records<T>(value: Json, what: string, file: string, read: (item: Record<string, Json>) => T | undefined): T[] {
  if (!Array.isArray(value)) throw new LockError(`${file}: ${what} must be a list`);
  return value.map((item, index) => {
    const entry = isRecord(item) ? read(item) : undefined;
    if (entry === undefined) throw new LockError(`${file}: ${what}[${index}] is not a valid entry`);
    return entry;
  });
}

function pair(value: Json, what: string, file: string): { builtin: string[]; mirror: string[] } {
  if (!isRecord(value)) throw new LockError(`${file}: ${what} must be an object with builtin and mirror`);
  return {
    builtin: strings(value.builtin, `${what}.builtin`, file),
    mirror: strings(value.mirror, `${what}.mirror`, file),
  };
}

const SHA256 = /^[0-9a-f]{64}$/;

/** Parses and checks a lockfile's text; every problem is a LockError naming the file. */
export function parseLock(text: string, file: string): Lock {
  let doc: Json;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new LockError(`${file}: not a lockfile (not JSON: ${(error as Error).message})`);
  }
  if (!isRecord(doc)) throw new LockError(`${file}: not a lockfile (not a JSON object)`);
  if (doc.format !== LOCK_FORMAT) {
    throw new LockError(`${file}: lockfile format ${quoted(String(doc.format))}, this mkbundle reads ${LOCK_FORMAT}`);
  }
  if (typeof doc.followDeps !== 'boolean') throw new LockError(`${file}: followDeps must be true or false`);
  return {
    format: LOCK_FORMAT,
    lists: pair(doc.lists, 'lists', file),
    followDeps: doc.followDeps,
    closure: pair(doc.closure, 'closure', file),
    gems: records(doc.gems, 'gems', file, ({ name, version }) =>
      typeof name === 'string' && typeof version === 'string' ? { name, version } : undefined,
    ),
    inputs: records(doc.inputs, 'inputs', file, ({ url, size, sha256 }) =>
      typeof url === 'string' &&
      Number.isSafeInteger(size) &&
      (size as number) >= 0 &&
      typeof sha256 === 'string' &&
      SHA256.test(sha256)
        ? { url, size: size as number, sha256 }
        : undefined,
    ),
    absent: strings(doc.absent, 'absent', file),
  };
}
