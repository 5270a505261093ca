/**
 * Which waiting task a free slot goes to first. `chain`: a request others
 * wait on before they can even be asked (an index, a `.dep`, an `.md5.txt`);
 * `leaf`: one nothing waits on but the end of the run (a payload). Chains
 * first, so that a `.dep` walk or a gem resolution is never stuck behind
 * large downloads queued before it; in order within each.
 */
export type Priority = 'chain' | 'leaf';

/** Runs tasks with at most `concurrency` of them in flight; tasks may be added at any time. */
export type Limit = <T>(task: () => Promise<T>, priority?: Priority) => Promise<T>;

export function limiter(concurrency: number): Limit {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be >= 1: ${concurrency}`);
  }
  let active = 0;
  const waiting: Record<Priority, (() => void)[]> = { chain: [], leaf: [] };
  return async (task, priority = 'leaf') => {
    // A finishing task hands its slot straight to the next waiter, so no newcomer can slip in between.
    if (active >= concurrency) await new Promise<void>((resolve) => waiting[priority].push(resolve));
    else active++;
    try {
      return await task();
    } finally {
      const next = waiting.chain.shift() ?? waiting.leaf.shift();
      if (next) next();
      else active--;
    }
  };
}
