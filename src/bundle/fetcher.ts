import { readFile } from 'node:fs/promises';
import type { Reporter } from '../cli/progress.js';
import { IntegrityError } from '../errors.js';
import type { CachedFile, CachePolicy, DownloadCache, Expect } from '../fetch/cache.js';
import { type Limit, limiter, type Priority } from '../fetch/limit.js';
import type { FailFast } from '../fetch/pool.js';
import { redactUrl } from '../fetch/redact.js';
import type { DownloadKind, SizeLimits } from '../fetch/size-limit.js';
import type { FrozenInputs } from '../lock/frozen.js';
import { alternativesOf, failureOf, fallsBack, type Mirrors } from './mirror-fallback.js';

/**
 * How an input was checked before the cache stored it: against its
 * `.md5.txt` (an extension, the Core ISO), against the Debian Packages or
 * the gem compact index, against a `--*-sha256` pin; `metadata` is one of
 * the small files the others are checked with or found by (`.md5.txt`,
 * `.dep`, `.info`, `.list`); `unverified` had nothing to be checked
 * against.
 */
export type Verified = 'md5.txt' | 'index-sha256' | 'index-md5' | 'pinned' | 'metadata' | 'unverified';

/** One downloaded input as bundle.json records it. */
export interface Input {
  /** Redacted: `http://***@host/…` when it was fetched with credentials. */
  readonly url: string;
  readonly size: number;
  readonly sha256: string;
  readonly verified: Verified;
}

/** What a download is held to before the cache stores it, and what bundle.json says of it then. */
export interface Check {
  readonly expect: Expect;
  readonly verified: Verified;
}

/** Without a check: a payload had none, the rest are metadata. */
const uncheckedAs = (kind: DownloadKind): Verified => (kind === 'payload' ? 'unverified' : 'metadata');

/**
 * A promised check's expectation, for the cache. It awaits it only when the
 * download gets that far; a failure before is the promise's owner's to report.
 */
function laterExpect(check: Promise<Check>): Promise<Expect> {
  const later = check.then((c) => c.expect);
  later.catch(() => undefined);
  return later;
}

/** How a run fetches. */
export interface FetchSettings {
  /** -r, --offline, or neither. */
  readonly policy: CachePolicy;
  /** The requests in flight across the whole run (--jobs). */
  readonly jobs: number;
  readonly limits: SizeLimits;
  /** The extension directory and its copies, for files under it; none: each URL as it is. */
  readonly mirrors?: Mirrors;
  /** --frozen: every input but the live indexes checked against the lock. */
  readonly frozen?: FrozenInputs;
}

/** Indexes and metadata are what the `.dep` walk and the gem resolution wait on; payloads are leaves. */
const priorityOf = (kind: DownloadKind): Priority => (kind === 'payload' ? 'leaf' : 'chain');

/**
 * The bundle stage's view of the download cache: applies `-r` and the size
 * limit of each request's kind, reports progress, asks for each URL once
 * per run, and remembers every input for the manifest.
 */
export class RunFetcher {
  private readonly seen = new Map<string, Promise<CachedFile | null>>();
  private readonly used = new Map<string, Input>();
  /** Redacted URLs of the live indexes among `used`, and of the optional files that were not there. */
  private readonly live = new Set<string>();
  private readonly absent = new Set<string>();
  private readonly limit: Limit;

  private readonly policy: CachePolicy;
  private readonly limits: SizeLimits;
  private readonly mirrors: Mirrors | undefined;
  private readonly frozen: FrozenInputs | undefined;

  /**
   * `run` is the run's fail-fast (its pools fail it): once it has failed,
   * the downloads in flight are aborted, report nothing more and throw its
   * first failure, and no more start. A failed download does not fail it by
   * itself: the caller may handle the error (a gem index probe does).
   */
  constructor(
    private readonly cache: DownloadCache,
    private readonly report: Reporter,
    readonly run: FailFast,
    settings: FetchSettings,
  ) {
    this.limit = limiter(settings.jobs);
    this.policy = settings.policy;
    this.limits = settings.limits;
    this.mirrors = settings.mirrors;
    this.frozen = settings.frozen;
  }

  /**
   * A file that must exist; `check` is applied before the cache stores it.
   * A promised check (one a checksum file asked for alongside gives) lets
   * the download start at once and is waited for only to judge the body.
   */
  async file(url: string, kind: DownloadKind, check?: Check | Promise<Check>): Promise<CachedFile> {
    const file = await this.get(url, kind, false, check, priorityOf(kind));
    if (file === null) throw new Error(`unreachable: ${redactUrl(url)} came back absent`);
    return file;
  }

  /**
   * An index that changes whenever anything is published (gem indexes,
   * Debian `Packages`): neither recorded nor locked; what is picked from it is.
   */
  index(url: string, kind: DownloadKind): Promise<CachedFile> {
    this.live.add(redactUrl(url));
    return this.file(url, kind);
  }

  /** A small file only the image needs (an extension's `.info`, `.list`): it waits behind what others wait on. */
  async companion(url: string): Promise<CachedFile> {
    const file = await this.get(url, 'metadata', false, undefined, 'leaf');
    if (file === null) throw new Error(`unreachable: ${redactUrl(url)} came back absent`);
    return file;
  }

  /** A file whose 404 means "none" (a `.dep`). */
  optional(url: string, kind: DownloadKind): Promise<CachedFile | null> {
    return this.get(url, kind, true, undefined, priorityOf(kind));
  }

  /** A metadata file's text: only those are small enough to hold as a string. */
  async text(url: string): Promise<string> {
    return readFile((await this.file(url, 'metadata')).path, 'utf8');
  }

  /**
   * What bundle.json and the lock record: every input but the live indexes,
   * so that the same locked inputs give the same bundle.json.
   */
  inputs(): Input[] {
    return [...this.used.values()]
      .filter((input) => !this.live.has(input.url))
      .sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
  }

  /** The optional files found absent, for the lock. */
  absentFiles(): string[] {
    return [...this.absent];
  }

  private get(
    url: string,
    kind: DownloadKind,
    optional: boolean,
    check: Check | Promise<Check> | undefined,
    priority: Priority,
  ): Promise<CachedFile | null> {
    let pending = this.seen.get(url);
    if (pending === undefined) {
      pending = this.limit(() => this.fetch(url, kind, optional, check), priority);
      this.seen.set(url, pending);
    }
    return pending;
  }

  /** Where to look for `url`: each mirror's copy in turn; under --frozen the one the lock names first. */
  private candidates(url: string): string[] {
    const all = this.mirrors === undefined ? [url] : alternativesOf(url, this.mirrors);
    const locked = all.find((candidate) => this.frozen?.expected(redactUrl(candidate)) !== undefined);
    return locked === undefined ? all : [locked, ...all.filter((candidate) => candidate !== locked)];
  }

  /** `url` from the first mirror that gives it (see fallsBack); the last failure, or all of them, when none does. */
  private async fetch(
    url: string,
    kind: DownloadKind,
    optional: boolean,
    check: Check | Promise<Check> | undefined,
  ): Promise<CachedFile | null> {
    const candidates = this.candidates(url);
    const failures: Error[] = [];
    for (const [i, candidate] of candidates.entries()) {
      try {
        return await this.fetchFrom(candidate, kind, optional, check);
      } catch (error) {
        // The run failed meanwhile: its first failure, not this one.
        this.run.check();
        const next = candidates[i + 1];
        if (next === undefined || !fallsBack(error) || !(error instanceof Error)) {
          throw failures.length > 0 && fallsBack(error) ? failureOf([...failures, error as Error]) : error;
        }
        failures.push(error);
        this.report({ type: 'download-failed', url: redactUrl(candidate) });
        this.report({ type: 'notice', message: `${error.message}; trying ${redactUrl(next)}` });
      }
    }
    throw new Error(`unreachable: no mirror to fetch ${redactUrl(url)} from`);
  }

  private async fetchFrom(
    url: string,
    kind: DownloadKind,
    optional: boolean,
    check: Check | Promise<Check> | undefined,
  ): Promise<CachedFile | null> {
    this.run.check();
    // What is shown and recorded never carries credentials.
    const shown = redactUrl(url);
    this.report({ type: 'download-start', url: shown });
    const onProgress = (transferred: number, total: number | undefined) =>
      this.report({ type: 'download-progress', url: shown, transferred, ...(total === undefined ? {} : { total }) });
    const limit = { kind, bytes: this.limits[kind] };
    // --frozen: a locked input must be the locked bytes, checked before the cache keeps them.
    const locked = this.live.has(shown) ? undefined : this.frozen?.expected(shown);
    const options = {
      policy: this.policy,
      onProgress,
      limit,
      signal: this.run.signal,
      ...(locked !== undefined
        ? { expect: locked }
        : check instanceof Promise
          ? { later: laterExpect(check) }
          : check
            ? { expect: check.expect }
            : {}),
    };
    let file: CachedFile | null;
    try {
      file = optional ? await this.cache.get(url, { ...options, optional: true }) : await this.cache.get(url, options);
    } catch (error) {
      if (locked !== undefined && this.frozen !== undefined && error instanceof IntegrityError) {
        throw this.run.blame(this.frozen.drifted(shown, error));
      }
      throw this.run.blame(error);
    }
    // The run failed meanwhile: what finished anyway is not reported.
    this.run.check();
    this.report({
      type: 'download-done',
      url: shown,
      bytes: file?.size ?? 0,
      fromCache: file?.fromCache ?? this.policy !== 'revalidate',
    });
    if (!this.live.has(shown)) this.frozen?.check(shown, file);
    if (file) {
      const verified = check === undefined ? uncheckedAs(kind) : (await check).verified;
      this.used.set(url, { url: shown, size: file.size, sha256: file.sha256, verified });
    } else this.absent.add(shown);
    return file;
  }
}
