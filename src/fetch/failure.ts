import { STATUS_CODES } from 'node:http';
import { fileURLToPath } from 'node:url';
import { quoted } from '../config/quote.js';
import { FetchError } from '../errors.js';
import { hasUserinfo, redactUrl } from './redact.js';
import { formatSize, KIND_TEXT, limitFlag, type SizeLimit } from './size-limit.js';

/** Why one HTTP attempt failed; the retry policy and the error message both read it. */
export type Failure =
  | {
      readonly kind: 'status';
      readonly status: number;
      readonly statusText: string;
      /** The server's `Retry-After`, when it gave one that parses. */
      readonly retryAfterMs?: number;
    }
  | { readonly kind: 'timeout'; readonly phase: 'connect' | 'response' | 'idle'; readonly ms: number }
  | { readonly kind: 'reset' }
  | { readonly kind: 'truncated'; readonly received: number; readonly expected: number }
  | { readonly kind: 'network'; readonly code: string; readonly detail: string }
  /** A `file:` URL naming nothing: a local mirror's 404. */
  | { readonly kind: 'missing' }
  /** The body passed the limit of its kind, or its Content-Length announced that it would. */
  | { readonly kind: 'too-large'; readonly limit: SizeLimit; readonly announced?: number }
  /** A whole rate window carried less than the floor (see RateFloor). */
  | { readonly kind: 'slow'; readonly bytes: number; readonly ms: number; readonly minBytesPerSecond: number };

/**
 * A failed request, as the one line the user sees:
 * `GET http://…/x.tcz: 404 Not Found`. `status` is set for HTTP status
 * failures so callers can treat a 404 as "absent". The URL is kept and
 * shown redacted (`http://***@host/…`).
 */
export class HttpError extends FetchError {
  readonly url: string;
  readonly status: number | undefined;

  constructor(
    url: string,
    readonly failure: Failure,
    readonly attempts: number,
    options?: { cause?: unknown; proxy?: URL; note?: string },
  ) {
    const tries = options?.note ?? (attempts > 1 ? ` (gave up after ${attempts} attempts)` : '');
    const via = options?.proxy === undefined ? '' : ` (via proxy ${redactUrl(options.proxy.href)})`;
    const what = url.startsWith('file:') ? quoted(fileURLToPath(url)) : `GET ${redactUrl(url)}${via}`;
    super(`${what}: ${describeFailure(failure)}${authHint(url, failure)}${tries}`, options);
    this.url = redactUrl(url);
    this.status = failure.kind === 'status' ? failure.status : undefined;
  }
}

/** A 401 says whether credentials went with the request, and where they belong. */
function authHint(url: string, failure: Failure): string {
  if (failure.kind !== 'status' || failure.status !== 401) return '';
  return hasUserinfo(url)
    ? ' (the server refused the credentials in the URL)'
    : ' (the server wants credentials: give them in the URL, http://USER:PASSWORD@HOST/…)';
}

export function isNotFound(err: unknown): err is HttpError {
  return err instanceof HttpError && (err.status === 404 || err.status === 410 || err.failure.kind === 'missing');
}

/** The error of a body over its size limit: it did answer, and would again. */
export function isOverLimit(err: unknown): err is HttpError {
  return err instanceof HttpError && err.failure.kind === 'too-large';
}

export function statusFailure(status: number, statusMessage: string | undefined, retryAfterMs?: number): Failure {
  const statusText = statusMessage || STATUS_CODES[status] || 'Unknown Status';
  return { kind: 'status', status, statusText, ...(retryAfterMs !== undefined && { retryAfterMs }) };
}

export function describeFailure(failure: Failure): string {
  switch (failure.kind) {
    case 'status': {
      // The server's own reason phrase is content; the standard one is ours.
      const status =
        failure.statusText === (STATUS_CODES[failure.status] ?? 'Unknown Status')
          ? `${failure.status} ${failure.statusText}`
          : `${failure.status} ${quoted(failure.statusText)}`;
      return failure.retryAfterMs === undefined ? status : `${status} (retry after ${formatMs(failure.retryAfterMs)})`;
    }
    case 'timeout':
      return `timed out after ${formatMs(failure.ms)} ${PHASE_TEXT[failure.phase]}`;
    case 'reset':
      return 'connection reset';
    case 'truncated':
      return `truncated (got ${failure.received} of ${failure.expected} bytes)`;
    case 'network':
      return failure.detail;
    case 'missing':
      return 'no such file';
    case 'too-large': {
      const { kind, bytes } = failure.limit;
      const announced = failure.announced === undefined ? '' : `announced ${formatSize(failure.announced)}, `;
      return `${announced}larger than the ${formatSize(bytes)} limit for ${KIND_TEXT[kind]} (raise it with ${limitFlag(kind)})`;
    }
    case 'slow':
      return `transfer too slow: ${formatSize(failure.bytes)} in the last ${formatMs(failure.ms)} (minimum ${formatSize(failure.minBytesPerSecond)}/s)`;
  }
}

const PHASE_TEXT = {
  connect: 'connecting',
  response: 'waiting for a response',
  idle: 'with no data received',
} as const;

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${Number((ms / 1000).toFixed(1))}s`;
}
