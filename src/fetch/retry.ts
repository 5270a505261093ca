import type { Failure } from './failure.js';

export interface RetryPolicy {
  /** Retries after the first attempt (so `limit + 1` attempts at most). */
  readonly limit: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** The longest `Retry-After` waited for; a server asking for more is given up on at once. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { limit: 3, baseDelayMs: 500, maxDelayMs: 10_000, maxRetryAfterMs: 120_000 };

/**
 * `Retry-After` as milliseconds from `now`: delay-seconds or an HTTP-date
 * (RFC 9110 §10.2.3); anything else is ignored, as is a date in the past (0).
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text), 2 ** 31) * 1000;
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Errors that a later attempt may not see again; connection refusals count (a mirror restarting). */
const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

/**
 * Server errors, throttling, timeouts, too slow transfers, resets and short
 * bodies are retried: a new connection may well do better. Other 4xx never
 * are, nor a body over its size limit (the server would send it again).
 */
export function isRetryable(failure: Failure): boolean {
  switch (failure.kind) {
    case 'status':
      return failure.status >= 500 || failure.status === 408 || failure.status === 429;
    case 'timeout':
    case 'slow':
    case 'reset':
    case 'truncated':
      return true;
    case 'network':
      return TRANSIENT_CODES.has(failure.code);
    case 'too-large':
    case 'missing':
      return false;
  }
}

/**
 * Delay before retry number `retry` (1-based): exponential, capped, with
 * "equal jitter" (half fixed, half random) so parallel downloads that failed
 * together do not retry in lockstep. `random` returns [0, 1).
 */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * The wait before retry number `retry` after `failure`, or undefined when
 * it is not to be retried: not retryable, or the server's `Retry-After`
 * asks for longer than the policy waits. A `Retry-After` is never cut short.
 */
export function retryDelay(
  failure: Failure,
  retry: number,
  policy: RetryPolicy,
  random: () => number,
): number | undefined {
  if (!isRetryable(failure)) return undefined;
  const backoff = backoffDelay(retry, policy, random);
  if (failure.kind !== 'status' || failure.retryAfterMs === undefined) return backoff;
  return failure.retryAfterMs > policy.maxRetryAfterMs ? undefined : Math.max(backoff, failure.retryAfterMs);
}
