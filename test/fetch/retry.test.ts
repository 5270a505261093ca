import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeFailure, type Failure } from '../../src/fetch/failure.js';
import { backoffDelay, isRetryable, parseRetryAfter, retryDelay } from '../../src/fetch/retry.js';

describe('isRetryable', () => {
  it.each<[Failure, boolean]>([
    [{ kind: 'status', status: 500, statusText: 'x' }, true],
    [{ kind: 'status', status: 503, statusText: 'x' }, true],
    [{ kind: 'status', status: 429, statusText: 'x' }, true],
    [{ kind: 'status', status: 408, statusText: 'x' }, true],
    [{ kind: 'status', status: 404, statusText: 'x' }, false],
    [{ kind: 'status', status: 403, statusText: 'x' }, false],
    [{ kind: 'status', status: 304, statusText: 'x' }, false],
    [{ kind: 'timeout', phase: 'idle', ms: 1 }, true],
    [{ kind: 'reset' }, true],
    [{ kind: 'truncated', received: 1, expected: 2 }, true],
    [{ kind: 'network', code: 'ECONNREFUSED', detail: 'x' }, true],
    [{ kind: 'network', code: 'ENOTFOUND', detail: 'x' }, false],
    [{ kind: 'network', code: 'ERR_TOO_MANY_REDIRECTS', detail: 'x' }, false],
  ])('%j → %s', (failure, expected) => {
    expect(isRetryable(failure)).toBe(expected);
  });
});

describe('backoffDelay', () => {
  const policy = { limit: 5, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 5000 };

  it('doubles from the base and stops at the cap, jitter spanning the upper half', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy, () => 0))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy, () => 0.999999))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it('stays within [ceiling/2, ceiling] for any retry and random value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (n, r) => {
          const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1));
          const d = backoffDelay(n, policy, () => r);
          return d >= Math.floor(ceiling / 2) && d <= ceiling;
        },
      ),
    );
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-12-02T06:00:00Z');

  it('reads delay-seconds and HTTP-dates, and ignores anything else', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Wed, 02 Dec 2026 06:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 02 Dec 2026 05:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    for (const junk of ['-5', '1.5', 'soon', '2026-12-02T06:00:30Z', '']) {
      expect(parseRetryAfter(junk, now)).toBeUndefined();
    }
  });

  it('property: any whole number of seconds is that many milliseconds', () => {
    fc.assert(fc.property(fc.nat(10 ** 7), (s) => parseRetryAfter(String(s), now) === s * 1000));
  });
});

describe('retryDelay', () => {
  const policy = { limit: 3, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 5000 };
  const busy = (retryAfterMs?: number): Failure => ({
    kind: 'status',
    status: 503,
    statusText: 'Service Unavailable',
    ...(retryAfterMs !== undefined && { retryAfterMs }),
  });

  it('waits at least what Retry-After asks, up to the policy limit, and gives up beyond it', () => {
    expect(retryDelay(busy(), 1, policy, () => 0)).toBe(50);
    expect(retryDelay(busy(3000), 1, policy, () => 0)).toBe(3000);
    expect(retryDelay(busy(10), 1, policy, () => 0)).toBe(50);
    expect(retryDelay(busy(5000), 1, policy, () => 0)).toBe(5000);
    expect(retryDelay(busy(5001), 1, policy, () => 0)).toBeUndefined();
  });

  it('never retries what is not retryable, Retry-After or not', () => {
    const gone: Failure = { kind: 'status', status: 404, statusText: 'Not Found', retryAfterMs: 1 };
    expect(retryDelay(gone, 1, policy, () => 0)).toBeUndefined();
  });
});

describe('describeFailure', () => {
  it('renders each failure as a short phrase', () => {
    expect(describeFailure({ kind: 'status', status: 404, statusText: 'Not Found' })).toBe('404 Not Found');
    expect(describeFailure({ kind: 'timeout', phase: 'response', ms: 30_000 })).toBe(
      'timed out after 30s waiting for a response',
    );
    expect(describeFailure({ kind: 'timeout', phase: 'connect', ms: 1500 })).toBe('timed out after 1.5s connecting');
    expect(describeFailure({ kind: 'reset' })).toBe('connection reset');
    expect(describeFailure({ kind: 'truncated', received: 3, expected: 10 })).toBe('truncated (got 3 of 10 bytes)');
  });
});
