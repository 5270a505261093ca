import { createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import got, { type Request as GotRequest, type PlainResponse, RequestError, TimeoutError } from 'got';
import { errorText } from '../errno.js';
import { InputError } from '../errors.js';
import { DigestStream, type Digests } from './digest.js';
import { type Failure, HttpError, statusFailure } from './failure.js';
import { copyFileUrl, isFileUrl } from './local.js';
import type { ProxySettings } from './proxy.js';
import { ProxyRoutes } from './proxy-agents.js';
import { RateFloor } from './rate.js';
import { DEFAULT_RETRY, isRetryable, parseRetryAfter, type RetryPolicy, retryDelay } from './retry.js';
import type { SizeLimit } from './size-limit.js';

export interface Timeouts {
  /** TCP connect. */
  readonly connectMs: number;
  /** Request sent → response headers received. */
  readonly responseMs: number;
  /** Longest gap between two chunks of the body (a stalled transfer). */
  readonly idleMs: number;
  /**
   * The slowest body accepted: one whose last `rateWindowMs` carried less
   * than this on average fails (a drip that keeps resetting the idle timer).
   */
  readonly minBytesPerSecond: number;
  readonly rateWindowMs: number;
}

/**
 * A drip of 64 bytes every 2 s fails after a minute; 256 B/s over a minute
 * is still far below a working link, even one slow line shared by eight
 * downloads (64 kbit/s gives each 1 KiB/s).
 */
export const DEFAULT_TIMEOUTS: Timeouts = {
  connectMs: 15_000,
  responseMs: 30_000,
  idleMs: 30_000,
  minBytesPerSecond: 256,
  rateWindowMs: 60_000,
};

export interface HttpClientOptions {
  /** mkbundle's version, for the `mkbundle/<version>` user agent. */
  readonly version: string;
  readonly timeouts?: Partial<Timeouts>;
  readonly retry?: Partial<RetryPolicy>;
  /** Jitter source, [0, 1); injectable for tests. */
  readonly random?: () => number;
  /** Proxies (proxySettings of the environment); none when absent. */
  readonly proxy?: ProxySettings;
}

export interface Validators {
  readonly etag?: string;
  readonly lastModified?: string;
}

export type DownloadResult =
  | { readonly notModified: true }
  | { readonly notModified: false; readonly digests: Digests; readonly validators: Validators };

export interface DownloadOptions {
  /** Makes the request conditional; a 304 answer is `{ notModified: true }` and leaves `dest` untouched. */
  readonly validators?: Validators;
  readonly signal?: AbortSignal;
  /** Body bytes received so far in this attempt, and the announced length. */
  readonly onProgress?: (transferred: number, total: number | undefined) => void;
  /** A body over it (or announced to be) fails at once, without a retry. */
  readonly limit?: SizeLimit;
}

export interface ClientStats {
  /** HTTP requests sent, retries and conditional requests included. */
  readonly requests: number;
  readonly retries: number;
  readonly notModified: number;
  /** Body bytes received, failed attempts included. */
  readonly bytesFetched: number;
}

export interface HttpClient {
  /**
   * GET `url` into the file `dest` (created only on a 200, rewritten on each
   * retry, removed if the download finally fails), hashing as it streams.
   * Throws `HttpError` (a `FetchError`) with the one-line reason.
   */
  download(url: string, dest: string, opts?: DownloadOptions): Promise<DownloadResult>;
  stats(): ClientStats;
}

/** A body cut off part way that the server can send the rest of: `If-Range` names its version. */
interface Resumable {
  readonly ifRange: string;
}

type Attempt =
  | { readonly ok: true; readonly result: DownloadResult }
  | { readonly ok: false; readonly failure: Failure; readonly cause?: unknown; readonly resume?: Resumable };

export function createHttpClient(opts: HttpClientOptions): HttpClient {
  const timeouts: Timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...opts.retry };
  const random = opts.random ?? Math.random;
  const stats = { requests: 0, retries: 0, notModified: 0, bytesFetched: 0 };
  const routes = opts.proxy === undefined ? undefined : new ProxyRoutes(opts.proxy);
  const client = got.extend({
    headers: { 'user-agent': `mkbundle/${opts.version}` },
    timeout: { connect: timeouts.connectMs, response: timeouts.responseMs },
    // Retries are ours: got cannot restart a stream that is already being written to a file.
    retry: { limit: 0 },
    throwHttpErrors: false,
    // The bytes on the wire are the artifact (a .tgz served with Content-Encoding: gzip must stay gzipped).
    decompress: false,
    // A redirect to another host or scheme is routed afresh (no_proxy, http vs https).
    hooks: {
      beforeRedirect: [
        (options) => {
          options.agent = routes?.for(String(options.url)).agent ?? {};
        },
      ],
    },
  });

  async function attempt(
    url: string,
    dest: string,
    conditional: Record<string, string>,
    { signal, onProgress, limit }: DownloadOptions,
    resume: Resumable | undefined,
  ): Promise<Attempt> {
    // The rest of a cut-off body: the file holds its start (a write that failed may have kept less than was received).
    const have = resume === undefined ? 0 : await sizeOf(dest);
    const headers = have > 0 && resume ? { range: `bytes=${have}-`, 'if-range': resume.ifRange } : conditional;
    stats.requests += 1;
    const request = client.stream(url, { headers, signal, agent: routes?.for(url).agent ?? {} });
    let resumable: Resumable | undefined;
    let expected: number | undefined;
    let digest: DigestStream | undefined;
    // Our own body timers: got's `socket` timeout would also cover the wait for headers.
    let idle: NodeJS.Timeout | undefined;
    let ticks: NodeJS.Timeout | undefined;
    /** Why we cut the body off ourselves, if we did. */
    let stopped: Failure | undefined;
    const stop = (failure: Failure): void => {
      stopped ??= failure;
      // With an error: a plain destroy() of a body that has just ended can leave the pipeline pending.
      request.destroy(new Error(`stopped: ${failure.kind}`));
    };
    try {
      const response = await responseOf(request);
      // A 304 to an unconditional request is a broken server, reported as a status failure below.
      if (response.statusCode === 304 && (headers['if-none-match'] ?? headers['if-modified-since']) !== undefined) {
        stats.notModified += 1;
        request.destroy();
        return { ok: true, result: { notModified: true } };
      }
      const from = response.statusCode === 206 ? rangeStart(response.headers, have) : 0;
      if (from === undefined) {
        request.destroy();
        // A range the server got wrong: the whole body, from the start.
        return { ok: false, failure: { kind: 'truncated', received: 0, expected: have } };
      }
      if (response.statusCode !== 200 && response.statusCode !== 206) {
        request.destroy();
        const retryAfter = parseRetryAfter(response.headers['retry-after'], Date.now());
        return { ok: false, failure: statusFailure(response.statusCode, response.statusMessage, retryAfter) };
      }
      expected = from === 0 ? contentLength(response.headers) : rangeTotal(response.headers);
      resumable = resumableAs(response.headers);
      if (limit !== undefined && expected !== undefined && expected > limit.bytes) {
        request.destroy();
        return { ok: false, failure: { kind: 'too-large', limit, announced: expected } };
      }
      const timer = setTimeout(() => stop({ kind: 'timeout', phase: 'idle', ms: timeouts.idleMs }), timeouts.idleMs);
      idle = timer;
      let transferred = from;
      const { minBytesPerSecond, rateWindowMs } = timeouts;
      const floor = new RateFloor(minBytesPerSecond, rateWindowMs, Date.now(), from);
      ticks = setInterval(() => {
        const shortfall = floor.check(Date.now(), transferred);
        if (shortfall !== undefined) stop({ kind: 'slow', ...shortfall, minBytesPerSecond });
      }, rateWindowMs / 4);
      digest = new DigestStream((bytes) => {
        stats.bytesFetched += bytes;
        transferred += bytes;
        if (limit !== undefined && transferred > limit.bytes) stop({ kind: 'too-large', limit });
        onProgress?.(transferred, expected);
        timer.refresh();
      });
      if (from > 0) await digest.prime(dest);
      // A body cut off is ended, not destroyed, so that every byte received reaches the file (to resume from).
      let cut: { error: unknown } | undefined;
      async function* received(): AsyncGenerator<Buffer> {
        try {
          for await (const chunk of request) yield chunk as Buffer;
        } catch (error) {
          cut = { error };
        }
      }
      await pipeline(received(), digest, createWriteStream(dest, { flags: from > 0 ? 'a' : 'w' }));
      if (cut !== undefined) throw cut.error;
      // The body may have ended before a stop took effect.
      if (stopped !== undefined) return { ok: false, failure: stopped };
      const digests = digest.digests();
      if (expected !== undefined && digests.size !== expected) {
        return { ok: false, failure: { kind: 'truncated', received: digests.size, expected }, resume: resumable };
      }
      return { ok: true, result: { notModified: false, digests, validators: validatorsOf(response.headers) } };
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      const resume = digest !== undefined && digest.size > 0 ? resumable : undefined;
      if (stopped !== undefined)
        return { ok: false, failure: stopped, ...(stopped.kind !== 'too-large' && { resume }) };
      return { ok: false, failure: classify(err, dest, digest?.size ?? 0, expected), cause: err, resume };
    } finally {
      clearTimeout(idle);
      clearInterval(ticks);
    }
  }

  function classify(err: unknown, dest: string, received: number, expected: number | undefined): Failure {
    if (err instanceof TimeoutError) {
      return err.event === 'response'
        ? { kind: 'timeout', phase: 'response', ms: timeouts.responseMs }
        : { kind: 'timeout', phase: 'connect', ms: timeouts.connectMs };
    }
    if (err instanceof RequestError) {
      if (expected !== undefined && received < expected) return { kind: 'truncated', received, expected };
      if (err.code === 'ECONNRESET') return { kind: 'reset' };
      return { kind: 'network', code: err.code, detail: err.message };
    }
    // Not the network: the file we stream into (disk full, permissions).
    throw new InputError(`cannot write ${dest}: ${errorText(err)}`, { cause: err });
  }

  async function download(url: string, dest: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
    const { validators, signal } = opts;
    const headers: Record<string, string> = {};
    if (validators?.etag !== undefined) headers['if-none-match'] = validators.etag;
    if (validators?.lastModified !== undefined) headers['if-modified-since'] = validators.lastModified;
    let resume: Resumable | undefined;
    try {
      if (isFileUrl(url)) return await copyFileUrl(url, dest, opts);
      for (let n = 1; ; n++) {
        signal?.throwIfAborted();
        const outcome = await attempt(url, dest, headers, opts, resume);
        if (outcome.ok) return outcome.result;
        resume = outcome.resume;
        const { failure, cause } = outcome;
        const delay = n > policy.limit ? undefined : retryDelay(failure, n, policy, random);
        if (delay === undefined) {
          const proxy = routes?.for(url).proxy;
          throw new HttpError(url, failure, n, { cause, proxy, note: waitTooLong(failure, policy) });
        }
        stats.retries += 1;
        await sleep(delay, undefined, { signal });
      }
    } catch (err) {
      await rm(dest, { force: true });
      throw err;
    }
  }

  return { download, stats: () => ({ ...stats }) };
}

/** Why a retryable failure was not retried: its Retry-After is past what the policy waits. */
function waitTooLong(failure: Failure, policy: RetryPolicy): string | undefined {
  if (failure.kind !== 'status' || failure.retryAfterMs === undefined) return undefined;
  if (failure.retryAfterMs <= policy.maxRetryAfterMs || !isRetryable(failure)) return undefined;
  return `: not waited for, over the ${policy.maxRetryAfterMs / 1000}s limit`;
}

function responseOf(request: GotRequest): Promise<PlainResponse> {
  return new Promise((resolve, reject) => {
    request.once('response', resolve);
    // Stays attached after the response: later errors reach the pipeline, never an unhandled 'error'.
    request.on('error', reject);
  });
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

/** A 206's first byte, when it is the one asked for (`have`); else undefined. */
function rangeStart(headers: IncomingHttpHeaders, have: number): number | undefined {
  const match = /^bytes (\d+)-\d+\/\d+$/.exec(headers['content-range'] ?? '');
  return match !== null && Number(match[1]) === have && have > 0 ? have : undefined;
}

/** The whole body's length, from a 206's `Content-Range: bytes A-B/TOTAL`. */
function rangeTotal(headers: IncomingHttpHeaders): number | undefined {
  const match = /\/(\d+)$/.exec(headers['content-range'] ?? '');
  return match === null ? undefined : Number(match[1]);
}

/**
 * How a cut-off answer could be resumed: the server takes byte ranges and
 * names this version of the body by a strong ETag or, failing that, a date.
 */
function resumableAs(headers: IncomingHttpHeaders): Resumable | undefined {
  if (headers['accept-ranges'] !== 'bytes' && headers['content-range'] === undefined) return undefined;
  const { etag, 'last-modified': lastModified } = headers;
  if (etag !== undefined && !etag.startsWith('W/')) return { ifRange: etag };
  return lastModified === undefined ? undefined : { ifRange: lastModified };
}

function contentLength(headers: IncomingHttpHeaders): number | undefined {
  const value = headers['content-length'];
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

function validatorsOf(headers: IncomingHttpHeaders): Validators {
  const { etag, 'last-modified': lastModified } = headers;
  return { ...(etag !== undefined && { etag }), ...(lastModified !== undefined && { lastModified }) };
}
