/**
 * The content-addressed download cache, shared by runs and by processes.
 *
 * Layout under `dir`:
 *   blobs/sha256/<hex>            immutable, read-only file contents, named by their sha256
 *   index/<sha256 of URL>.json    what the URL (without credentials) last gave: PresentEntry or AbsentEntry (see entry.ts)
 *   tmp/*.part                    downloads and index writes in progress; never read
 *   runs/*.part                   one marker per process using the cache now (runs.ts)
 *
 * Writes: a download streams into tmp/, hashed on the way; only when the size
 * and any expected digest match is it renamed to its blob name, then the
 * index entry is written (temp + rename). So the index never names a missing
 * blob, a failed or interrupted download leaves at most a temp file (swept
 * once older than `staleTempMs`), and two processes need no lock: each
 * rename is atomic, a blob name fixes its bytes, and the last index write wins.
 *
 * Reads: an entry counts only if its blob exists with the recorded size and
 * rehashes to the recorded sums. Rehashing costs ~0.1s per 50 MB and happens
 * once per blob per cache instance (one run), which is cheap next to what it
 * guards: a blob damaged on disk is never used but fetched again, and the
 * good copy renamed over it. A damaged blob is never deleted: while one run
 * hashes it, another may already have renamed a good copy to that name (a
 * blob name fixes its bytes, so both runs repair the same file), and a
 * delete would take the good copy from under the run using it. Replacing by
 * rename leaves no moment without a file at the name, and a reader that
 * opened the old file keeps reading the old file.
 *
 * Uses: reading an entry sets its index file's mtime, and then its blob's
 * (before the blob is opened), to now: an index file's mtime is when its
 * URL was last stored or used, a blob's when its content was. `cache ls`
 * shows them and `cache prune` goes by them, and, with the run markers,
 * never takes a file a live run has touched (src/cache/prune.ts). A touch
 * is one utimes call; it never rewrites an entry, so it cannot undo a
 * newer one another run has just written.
 *
 * Online, a usable entry is revalidated (If-None-Match / If-Modified-Since): a
 * 304 reuses the blob, a 200 replaces it. Offline (`-r`), a usable entry is
 * used without any request, and a missing or unusable one is downloaded as
 * usual. A 404 is recorded as an AbsentEntry so that an optional `-r` lookup
 * (a `.dep` file known not to exist) also makes no request; online it is
 * simply asked again (a 404 carries no validators).
 */

import { createHash } from 'node:crypto';
import { chmod, type FileHandle, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { removeOnInterrupt } from '../cleanup.js';
import { errorText, isCode } from '../errno.js';
import { InputError, IntegrityError } from '../errors.js';
import { makeDirs, removeEmptyDirs } from '../output/dir.js';
import { type Digests, hashFile } from './digest.js';
import { type IndexEntry, type PresentEntry, parseIndexEntry } from './entry.js';
import { HttpError, isNotFound } from './failure.js';
import { STALE_TEMP_MS, sweepStale, tempName, touch, writeFileAtomic } from './files.js';
import type { ClientStats, HttpClient } from './http.js';
import { isFileUrl } from './local.js';
import { redactUrl, withoutUserinfo } from './redact.js';
import { registerRun } from './runs.js';
import type { SizeLimit } from './size-limit.js';

export interface Expect {
  readonly sha256?: string;
  readonly md5?: string;
  readonly size?: number;
}

/**
 * `revalidate`: a cached entry is checked with a conditional request.
 * `prefer-cache` (`-r`): a cached entry is used without a request; what is
 * not cached is fetched. `cache-only` (`--offline`): no request at all; what
 * the cache lacks or cannot use is a NotCachedError, an optional file the
 * cache recorded absent is null.
 */
export type CachePolicy = 'revalidate' | 'prefer-cache' | 'cache-only';

export interface GetOptions {
  /** Checked before anything is stored; a mismatch is an `IntegrityError`. */
  readonly expect?: Expect;
  /**
   * An expectation known only once a checksum file asked for alongside is
   * in (the Core ISO's md5.txt), so the two download at once: checked like
   * `expect`, waited for only when the body or a cached entry is to be judged.
   */
  readonly later?: Promise<Expect | undefined>;
  /** When the network is asked (default `revalidate`). */
  readonly policy?: CachePolicy;
  /** A 404 is `null` instead of an error (`.dep` files). */
  readonly optional?: boolean;
  /** Aborts the download; concurrent gets sharing it share the first caller's signal. */
  readonly signal?: AbortSignal;
  /** Body bytes received so far, and the announced length (the first caller's, for shared downloads). */
  readonly onProgress?: (transferred: number, total: number | undefined) => void;
  /**
   * A body over it fails (not retried, nothing stored), and a cached entry
   * over it (stored before the limit was lowered) is not used: it would be
   * read whole by whoever asked for a small file.
   */
  readonly limit?: SizeLimit;
}

/** `--offline`: an input the cache cannot serve. */
export class NotCachedError extends InputError {
  constructor(url: string, why: string) {
    super(`--offline: ${redactUrl(url)}: ${why}; run once without --offline to fetch it`);
  }
}

export interface CachedFile extends Digests {
  /** Without credentials. */
  readonly url: string;
  /** The blob: read it, or `materialise` it; never modify it. */
  readonly path: string;
  /** Served by the cache (a -r or --offline hit, or a 304). */
  readonly fromCache: boolean;
  /** Body bytes this get downloaded (0 when fromCache). */
  readonly bytesFetched: number;
}

export interface CacheStats extends ClientStats {
  /** Gets answered from the cache: -r and --offline hits, and 304s. */
  readonly cacheHits: number;
  readonly bytesFromCache: number;
  /** Bodies downloaded and stored. */
  readonly downloads: number;
}

export interface CacheOptions {
  readonly dir: string;
  readonly client: HttpClient;
  /** Temp files older than this are left-overs of interrupted runs. */
  readonly staleTempMs?: number;
}

type Resolved = { readonly kind: 'absent' } | { readonly kind: 'present'; readonly file: CachedFile };

const present = (resolved: Resolved): CachedFile | null => (resolved.kind === 'present' ? resolved.file : null);

/** `$XDG_CACHE_HOME/mkbundle`, else `~/.cache/mkbundle` (a relative XDG_CACHE_HOME is ignored, as the spec says). */
export function defaultCacheDir(env: Readonly<Record<string, string | undefined>>, home: string): string {
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg?.startsWith('/') ? xdg : join(home, '.cache'), 'mkbundle');
}

export class DownloadCache {
  private readonly dir: string;
  private readonly client: HttpClient;
  private readonly staleTempMs: number;
  private readonly inflight = new Map<string, Promise<Resolved>>();
  /** Blobs rehashed (or written) by this instance. */
  private readonly verified = new Set<string>();
  private readonly counts = { cacheHits: 0, bytesFromCache: 0, downloads: 0 };
  private ready: Promise<void> | undefined;

  constructor(opts: CacheOptions) {
    this.dir = opts.dir;
    this.client = opts.client;
    this.staleTempMs = opts.staleTempMs ?? STALE_TEMP_MS;
  }

  get(url: string, opts: GetOptions & { readonly optional: true }): Promise<CachedFile | null>;
  get(url: string, opts?: GetOptions): Promise<CachedFile>;
  async get(url: string, opts: GetOptions = {}): Promise<CachedFile | null> {
    if (opts.later !== undefined) return present(await this.resolve(url, opts));
    // Same question, same answer: concurrent identical gets share one resolution (and one download).
    const key = JSON.stringify([
      url,
      opts.policy ?? 'revalidate',
      opts.optional === true,
      opts.expect ?? null,
      opts.limit?.bytes ?? null,
    ]);
    let pending = this.inflight.get(key);
    if (pending === undefined) {
      pending = this.resolve(url, opts).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return present(await pending);
  }

  stats(): CacheStats {
    return { ...this.client.stats(), ...this.counts };
  }

  /**
   * What the cache holds for `url`, without a request and without making
   * anything (`--dry-run`): `present` when its entry names a blob of the
   * recorded size within `limit` (the hashes are checked when it is used),
   * `absent` when the URL last answered 404, else undefined.
   */
  async lookup(url: string, limit?: SizeLimit): Promise<'present' | 'absent' | undefined> {
    let entry: IndexEntry | undefined;
    try {
      entry = await this.readEntry(url);
    } catch (err) {
      throw cacheError(this.dir, err);
    }
    if (entry?.absent) return 'absent';
    if (entry === undefined || (limit !== undefined && entry.size > limit.bytes)) return undefined;
    const size = await stat(this.blobPath(entry.sha256)).then(
      (info) => info.size,
      () => undefined,
    );
    return size === entry.size ? 'present' : undefined;
  }

  private async resolve(url: string, opts: GetOptions): Promise<Resolved> {
    await this.init();
    const entry = await this.readEntry(url);
    // A file: URL is read from disk, not the network: --offline reads it as usual.
    const cacheOnly = opts.policy === 'cache-only' && !isFileUrl(url);
    const cacheFirst = opts.policy === 'prefer-cache' || cacheOnly;
    if (entry?.absent) {
      if (cacheFirst && opts.optional) return { kind: 'absent' };
      // The 404 the network gave, again: a caller that probes (a gem index) moves on as it did online.
      if (cacheOnly) {
        throw new HttpError(url, { kind: 'status', status: 404, statusText: 'Not Found' }, 1, {
          note: ' (recorded in the cache; --offline)',
        });
      }
      return this.fetch(url, undefined, opts);
    }
    const usable =
      entry !== undefined &&
      (opts.limit === undefined || entry.size <= opts.limit.bytes) &&
      (await this.blobIsSound(entry)) &&
      mismatches(entry, opts.expect).length === 0;
    if (usable && cacheFirst) {
      if (mismatches(entry, await opts.later).length === 0) return this.hit(entry);
      if (cacheOnly) throw new NotCachedError(url, 'the cached copy does not match its checksum');
      return this.fetch(url, undefined, opts);
    }
    if (cacheOnly) {
      throw new NotCachedError(url, entry === undefined ? 'not in the cache' : 'the cached copy cannot be used');
    }
    return this.fetch(url, usable ? entry : undefined, opts);
  }

  private async fetch(url: string, cached: PresentEntry | undefined, opts: GetOptions): Promise<Resolved> {
    const tmp = tempName(this.tmpDir);
    const untrack = removeOnInterrupt(tmp);
    try {
      const validators = cached && { etag: cached.etag, lastModified: cached.lastModified };
      const result = await this.client.download(url, tmp, {
        validators,
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
        ...(opts.limit ? { limit: opts.limit } : {}),
      });
      if (result.notModified) {
        // Only a conditional request can be answered 304, and only a usable entry makes one.
        if (cached === undefined) throw new Error(`304 for unconditional GET ${redactUrl(url)}`);
        // The current copy by the server's word, but not what the checksum file says: asked for whole.
        if (mismatches(cached, await opts.later).length > 0) return this.fetch(url, undefined, opts);
        return this.hit(cached);
      }
      const bad = [...mismatches(result.digests, opts.expect), ...mismatches(result.digests, await opts.later)];
      if (bad.length > 0) throw new IntegrityError(`${redactUrl(url)}: ${bad.join('; ')}`);
      const entry: PresentEntry = {
        url: withoutUserinfo(url),
        ...result.digests,
        ...result.validators,
        fetchedAt: new Date().toISOString(),
      };
      await chmod(tmp, 0o444);
      await rename(tmp, this.blobPath(entry.sha256));
      await this.writeEntry(entry);
      this.verified.add(entry.sha256);
      this.counts.downloads += 1;
      return { kind: 'present', file: this.fileOf(entry, false, entry.size) };
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await this.writeEntry({ url: withoutUserinfo(url), absent: true, fetchedAt: new Date().toISOString() });
      if (opts.optional) return { kind: 'absent' };
      throw err;
    } finally {
      await rm(tmp, { force: true });
      untrack();
    }
  }

  private hit(entry: PresentEntry): Resolved {
    this.counts.cacheHits += 1;
    this.counts.bytesFromCache += entry.size;
    return { kind: 'present', file: this.fileOf(entry, true, 0) };
  }

  private fileOf(entry: PresentEntry, fromCache: boolean, bytesFetched: number): CachedFile {
    const { url, sha256, md5, size } = entry;
    return { url, path: this.blobPath(sha256), sha256, md5, size, fromCache, bytesFetched };
  }

  /**
   * The blob exists, has the recorded size and (once per instance) rehashes
   * to the recorded sums. Hashed through one open handle, so size and sums
   * are those of one file; when that one is damaged but the name meanwhile
   * gives another file (a concurrent run's repair), that one is checked too.
   */
  private async blobIsSound(entry: PresentEntry, recheck = true): Promise<boolean> {
    const path = this.blobPath(entry.sha256);
    // Before the open: a prune that takes the blob after this sees the use (see the top).
    if (recheck) await touch(path);
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      if (isCode(err, 'ENOENT')) return false;
      throw err;
    }
    let hashed: { dev: number; ino: number };
    try {
      const { size, dev, ino } = await handle.stat();
      hashed = { dev, ino };
      if (size === entry.size) {
        if (this.verified.has(entry.sha256)) return true;
        const actual = await hashFile(handle);
        if (actual.sha256 === entry.sha256 && actual.md5 === entry.md5) {
          this.verified.add(entry.sha256);
          return true;
        }
      }
    } finally {
      await handle.close();
    }
    return recheck && !(await namesFile(path, hashed)) && this.blobIsSound(entry, false);
  }

  private async readEntry(url: string): Promise<IndexEntry | undefined> {
    const path = this.indexPath(url);
    try {
      const entry = parseIndexEntry(await readFile(path, 'utf8'), withoutUserinfo(url));
      if (entry !== undefined) await touch(path);
      return entry;
    } catch (err) {
      if (isCode(err, 'ENOENT')) return undefined;
      throw err;
    }
  }

  private async writeEntry(entry: IndexEntry): Promise<void> {
    await writeFileAtomic(this.indexPath(entry.url), `${JSON.stringify(entry, null, 2)}\n`, this.tmpDir);
  }

  private init(): Promise<void> {
    this.ready ??= (async () => {
      await makeCacheDirs(this.dir);
      try {
        await sweepStale(this.tmpDir, this.staleTempMs);
        await registerRun(this.dir);
      } catch (err) {
        throw cacheError(this.dir, err);
      }
    })();
    return this.ready;
  }

  private get tmpDir(): string {
    return join(this.dir, 'tmp');
  }

  private blobPath(sha256: string): string {
    return join(this.dir, 'blobs', 'sha256', sha256);
  }

  /** Named by the URL without credentials: one entry with and without them, and none stored. */
  private indexPath(url: string): string {
    return join(this.dir, 'index', `${createHash('sha256').update(withoutUserinfo(url)).digest('hex')}.json`);
  }
}

const cacheError = (dir: string, err: unknown) =>
  new InputError(`cannot use cache directory ${dir}: ${errorText(err)}`, { cause: err });

/** The cache's directories, made where missing; those made, outermost first. */
async function makeCacheDirs(dir: string): Promise<string[]> {
  const made: string[] = [];
  try {
    for (const d of [join(dir, 'blobs', 'sha256'), join(dir, 'index'), join(dir, 'tmp')])
      made.push(...(await makeDirs(d)));
  } catch (err) {
    await removeEmptyDirs(made);
    throw cacheError(dir, err);
  }
  return made;
}

/**
 * Checks that `dir` can be the cache as the first request would: its
 * directories are made, then what was made is removed again.
 */
export async function probeCacheDir(dir: string): Promise<void> {
  await removeEmptyDirs(await makeCacheDirs(dir));
}

/** `path` still names the file with this identity. */
async function namesFile(path: string, id: { readonly dev: number; readonly ino: number }): Promise<boolean> {
  try {
    const now = await stat(path);
    return now.dev === id.dev && now.ino === id.ino;
  } catch (err) {
    if (isCode(err, 'ENOENT')) return false;
    throw err;
  }
}

/** One `what expected X, got Y` per failed expectation; empty when all hold. */
export function mismatches(actual: Digests, expect: Expect | undefined): string[] {
  if (expect === undefined) return [];
  const out: string[] = [];
  if (expect.size !== undefined && expect.size !== actual.size) {
    out.push(`size expected ${expect.size}, got ${actual.size}`);
  }
  for (const sum of ['sha256', 'md5'] as const) {
    const want = expect[sum]?.toLowerCase();
    if (want !== undefined && want !== actual[sum]) out.push(`${sum} expected ${want}, got ${actual[sum]}`);
  }
  return out;
}
