import { setMaxListeners } from 'node:events';

/** One unit of work; it should stop early when `signal` aborts. */
export type Task<T> = (signal: AbortSignal) => Promise<T>;

export interface PoolOptions {
  /** Tasks running at once (`--jobs`). */
  readonly jobs?: number;
  /** Aborting it aborts the running tasks and starts no more. */
  readonly signal?: AbortSignal;
  /** The first task failure fails it at once, so that work outside the pool stops without waiting for this one. */
  readonly failFast?: FailFast;
}

export const DEFAULT_JOBS = 8;

/**
 * Runs `tasks` with at most `jobs` at a time; results keep the tasks' order.
 * The first failure wins: no further task starts, the running ones get an
 * aborted signal, and once they have all settled (so none is still writing)
 * that first error is thrown.
 */
export async function runPool<T>(tasks: readonly Task<T>[], opts: PoolOptions = {}): Promise<T[]> {
  const jobs = opts.jobs ?? DEFAULT_JOBS;
  if (!Number.isSafeInteger(jobs) || jobs < 1) throw new RangeError(`jobs must be a positive integer, got ${jobs}`);
  const controller = new AbortController();
  const outer = opts.signal;
  const onOuterAbort = (): void => controller.abort(outer?.reason);
  if (outer?.aborted) onOuterAbort();
  else outer?.addEventListener('abort', onOuterAbort, { once: true });

  const results = new Array<T>(tasks.length);
  let failure: { readonly error: unknown } | undefined;
  // One iterator shared by the workers: each `next()` hands out the next task exactly once.
  const queue = tasks.entries();
  const worker = async (): Promise<void> => {
    for (const [index, task] of queue) {
      if (controller.signal.aborted) return;
      try {
        results[index] = await task(controller.signal);
      } catch (error) {
        failure ??= { error };
        opts.failFast?.fail(error);
        controller.abort();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(jobs, tasks.length) }, worker));
  } finally {
    outer?.removeEventListener('abort', onOuterAbort);
  }
  if (outer?.aborted) throw outer.reason;
  if (failure !== undefined) throw opts.failFast ? opts.failFast.blame(failure.error) : failure.error;
  return results;
}

/**
 * Fail-fast for parallel work: the first failure is kept and aborts
 * `signal`, so the rest of the work can stop early; what stopped because of
 * it reports that first failure (`blame`), not its own abort.
 */
export class FailFast {
  private readonly controller = new AbortController();
  private first: { readonly error: unknown } | undefined;

  constructor() {
    // Every download of a run listens to the one signal: more than Node's default 10 is the point, not a leak.
    setMaxListeners(0, this.controller.signal);
  }

  /** Aborted at the first failure. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Records `error` unless a failure came first, and aborts the signal. */
  fail(error: unknown): void {
    if (this.first !== undefined) return;
    this.first = { error };
    this.controller.abort();
  }

  /** The error to throw instead of `error`: the first failure, once there is one. */
  blame(error: unknown): unknown {
    return this.first === undefined ? error : this.first.error;
  }

  /** Throws the first failure, if there is one. */
  check(): void {
    if (this.first !== undefined) throw this.first.error;
  }
}

/**
 * Promise.all that waits until every promise has settled (so no download is
 * still writing into a directory the caller is about to remove) and then
 * throws the first rejection in time. With `failFast`, the first rejection
 * also fails it (so the other work can stop), and the error thrown is its
 * first failure, whichever work failed first.
 */
export async function allSettled<T extends readonly unknown[]>(
  promises: {
    readonly [K in keyof T]: Promise<T[K]>;
  },
  failFast?: FailFast,
): Promise<T> {
  let failure: { readonly error: unknown } | undefined;
  const watched = promises.map((promise) =>
    promise.catch((error: unknown) => {
      failure ??= { error };
      failFast?.fail(error);
      return undefined;
    }),
  );
  const values = await Promise.all(watched);
  if (failure) throw failFast ? failFast.blame(failure.error) : failure.error;
  return values as unknown as T;
}
