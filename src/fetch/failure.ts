import { STATUS_CODES } from 'node:http';
import { quoted } from '../config/quote.js';
import { FetchError } from '../errors.js';

/** Why one HTTP attempt failed; the retry policy and the error message both read it. */
export type Failure =
  | { readonly kind: 'status'; readonly status: number; readonly statusText: string }
  | { readonly kind: 'timeout'; readonly phase: 'connect' | 'response' | 'idle'; readonly ms: number }
  | { readonly kind: 'reset' }
  | { readonly kind: 'truncated'; readonly received: number; readonly expected: number }
  | { readonly kind: 'network'; readonly code: string; readonly detail: string };

/**
 * A failed request, as the one line the user sees:
 * `GET http://…/x.tcz: 404 Not Found`. `status` is set for HTTP status
 * failures so callers can treat a 404 as "absent".
 */
export class HttpError extends FetchError {
  readonly status: number | undefined;

  constructor(
    readonly url: string,
    readonly failure: Failure,
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    const tries = attempts > 1 ? ` (gave up after ${attempts} attempts)` : '';
    super(`GET ${url}: ${describeFailure(failure)}${tries}`, options);
    this.status = failure.kind === 'status' ? failure.status : undefined;
  }
}

export function isNotFound(err: unknown): err is HttpError {
  return err instanceof HttpError && (err.status === 404 || err.status === 410);
}

export function statusFailure(status: number, statusMessage: string | undefined): Failure {
  return { kind: 'status', status, statusText: statusMessage || STATUS_CODES[status] || 'Unknown Status' };
}

export function describeFailure(failure: Failure): string {
  switch (failure.kind) {
    case 'status':
      // The server's own reason phrase is content; the standard one is ours.
      return failure.statusText === (STATUS_CODES[failure.status] ?? 'Unknown Status')
        ? `${failure.status} ${failure.statusText}`
        : `${failure.status} ${quoted(failure.statusText)}`;
    case 'timeout':
      return `timed out after ${formatMs(failure.ms)} ${PHASE_TEXT[failure.phase]}`;
    case 'reset':
      return 'connection reset';
    case 'truncated':
      return `truncated (got ${failure.received} of ${failure.expected} bytes)`;
    case 'network':
      return failure.detail;
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
