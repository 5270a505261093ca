import type { Failure } from './failure.js';

export interface RetryPolicy {
  /** Retries after the first attempt (so `limit + 1` attempts at most). */
  readonly limit: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { limit: 3, baseDelayMs: 500, maxDelayMs: 10_000 };

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
