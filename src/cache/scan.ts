/**
 * Reading a download cache's directory as it is now (layout: src/fetch/cache.ts),
 * for `cache ls`, `verify` and `prune`. Files other runs add, replace or
 * remove meanwhile are read as they were found, or skipped when gone.
 */
import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { isCode, systemErrorAsInput } from '../errno.js';
import { InputError } from '../errors.js';
import { type IndexEntry, parseIndexEntry } from '../fetch/entry.js';
import { isLeftOver, STALE_TEMP_MS } from '../fetch/files.js';

const HEX64 = /^[0-9a-f]{64}$/;
const INDEX_NAME = /^[0-9a-f]{64}\.json$/;

interface CacheDirs {
  readonly index: string;
  readonly blobs: string;
  readonly tmp: string;
}

function dirsOf(dir: string): CacheDirs {
  return { index: join(dir, 'index'), blobs: join(dir, 'blobs', 'sha256'), tmp: join(dir, 'tmp') };
}

export function blobPathOf(dir: string, sha256: string): string {
  return join(dirsOf(dir).blobs, sha256);
}

/** Which file a name gave when it was read: another run's rename gives another identity, its touch another mtime. */
export interface FileId {
  readonly dev: number;
  readonly ino: number;
  readonly mtimeMs: number;
}

export function idOf(info: Stats): FileId {
  return { dev: info.dev, ino: info.ino, mtimeMs: info.mtimeMs };
}

export function sameFile(a: FileId, b: FileId): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.mtimeMs === b.mtimeMs;
}

export interface IndexFile {
  readonly name: string;
  readonly path: string;
  readonly size: number;
  /** When its URL was last stored or used (cache.ts). */
  readonly mtimeMs: number;
  readonly id: FileId;
  /** The URL it records, when it records one. */
  readonly url: string | undefined;
  /** Undefined when unreadable: malformed, or not for the URL its name is the hash of; the cache never trusts those. */
  readonly entry: IndexEntry | undefined;
}

export interface BlobFile {
  readonly sha256: string;
  readonly path: string;
  readonly size: number;
  /** When its content was last stored or used. */
  readonly mtimeMs: number;
  readonly id: FileId;
}

export interface TempFile {
  readonly name: string;
  readonly size: number;
  readonly mtimeMs: number;
  /** Its writer has ended (or it is older than a day): a sweep removes it. */
  readonly leftOver: boolean;
}

/** The index files, in name order; other names in index/ are not the cache's and are left alone. */
export async function readIndex(dir: string): Promise<IndexFile[]> {
  const index = dirsOf(dir).index;
  const out: IndexFile[] = [];
  for (const name of await names(index)) {
    if (!INDEX_NAME.test(name)) continue;
    const file = await readIndexFile(join(index, name));
    if (file !== undefined) out.push(file);
  }
  return out;
}

/** One index file, its text and identity from one open (undefined when it is gone or not a file). */
async function readIndexFile(path: string): Promise<IndexFile | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if (isCode(err, 'ENOENT')) return undefined;
    throw err;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return undefined;
    const text = await handle.readFile('utf8');
    const name = basename(path);
    const url = urlOf(text);
    const named = url !== undefined && `${createHash('sha256').update(url).digest('hex')}.json` === name;
    const entry = named ? parseIndexEntry(text, url) : undefined;
    return { name, path, size: info.size, mtimeMs: info.mtimeMs, id: idOf(info), url, entry };
  } finally {
    await handle.close();
  }
}

function urlOf(text: string): string | undefined {
  try {
    const value: unknown = JSON.parse(text);
    const url = typeof value === 'object' && value !== null ? (value as { url?: unknown }).url : undefined;
    return typeof url === 'string' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** The blobs (regular files named by a sha256), in name order. */
export async function readBlobs(dir: string): Promise<BlobFile[]> {
  const blobs = dirsOf(dir).blobs;
  const out: BlobFile[] = [];
  for (const name of await names(blobs)) {
    if (!HEX64.test(name)) continue;
    const path = join(blobs, name);
    const info = await statOrGone(path);
    if (info?.isFile()) out.push({ sha256: name, path, size: info.size, mtimeMs: info.mtimeMs, id: idOf(info) });
  }
  return out;
}

/** The files in tmp/, in name order. */
export async function readTemps(dir: string, now: number = Date.now()): Promise<TempFile[]> {
  const tmp = dirsOf(dir).tmp;
  const out: TempFile[] = [];
  for (const name of await names(tmp)) {
    const info = await statOrGone(join(tmp, name));
    if (info === undefined) continue;
    const leftOver = await isLeftOver(name, info, STALE_TEMP_MS, now);
    out.push({ name, size: info.size, mtimeMs: info.mtimeMs, leftOver });
  }
  return out;
}

/** A directory's names, sorted; none when it does not exist (an empty or new cache). */
async function names(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (err) {
    if (isCode(err, 'ENOENT')) return [];
    throw err;
  }
}

export async function statOrGone(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (err) {
    if (isCode(err, 'ENOENT')) return undefined;
    throw err;
  }
}

/** Runs `work` on the cache `dir`, its file system faults as InputErrors naming the file (exit 2). */
export async function onCache<T>(dir: string, work: () => Promise<T>): Promise<T> {
  try {
    const info = await statOrGone(dir);
    if (info !== undefined && !info.isDirectory()) {
      throw new InputError(`cannot use cache directory ${dir}: not a directory`);
    }
    return await work();
  } catch (err) {
    throw systemErrorAsInput(err, `cache ${dir}`);
  }
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
