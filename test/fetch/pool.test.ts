import { describe, expect, it } from 'vitest';
import { allSettled, FailFast, runPool, type Task } from '../../src/fetch/pool.js';

const delay = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason);
    });
  });

describe('runPool', () => {
  it('keeps the order of results whatever the order of completion', async () => {
    const tasks: Task<number>[] = [30, 5, 20, 1].map((ms, i) => async () => {
      await delay(ms);
      return i;
    });
    expect(await runPool(tasks, { jobs: 4 })).toEqual([0, 1, 2, 3]);
  });

  it('never runs more than `jobs` tasks at once', async () => {
    let running = 0;
    let peak = 0;
    const tasks = Array.from({ length: 20 }, (_, i) => async () => {
      running += 1;
      peak = Math.max(peak, running);
      await delay(2 + (i % 3));
      running -= 1;
      return i;
    });
    expect(await runPool(tasks, { jobs: 3 })).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(peak).toBe(3);
  });

  it('defaults to 8 at once', async () => {
    let running = 0;
    let peak = 0;
    const tasks = Array.from({ length: 30 }, () => async () => {
      running += 1;
      peak = Math.max(peak, running);
      await delay(2);
      running -= 1;
    });
    await runPool(tasks);
    expect(peak).toBe(8);
  });

  it('fails fast: the first error wins, running tasks are aborted, no new task starts', async () => {
    const started: number[] = [];
    const aborted: number[] = [];
    const tasks: Task<number>[] = Array.from({ length: 10 }, (_, i) => async (signal) => {
      started.push(i);
      if (i === 1) {
        await delay(5);
        throw new Error('first');
      }
      if (i === 2) {
        await delay(10);
        throw new Error('second');
      }
      try {
        await delay(1000, signal);
      } catch (e) {
        aborted.push(i);
        throw e;
      }
      return i;
    });
    await expect(runPool(tasks, { jobs: 3 })).rejects.toThrow('first');
    expect(started.sort()).toEqual([0, 1, 2]);
    expect(aborted).toEqual([0]);
  });

  it('waits for aborted tasks to settle before rejecting', async () => {
    let settled = false;
    const tasks: Task<void>[] = [
      async () => {
        throw new Error('boom');
      },
      async (signal) => {
        await delay(1000, signal).catch(() => delay(20));
        settled = true;
      },
    ];
    await expect(runPool(tasks, { jobs: 2 })).rejects.toThrow('boom');
    expect(settled).toBe(true);
  });

  it('an outer signal aborts the pool with its reason', async () => {
    const controller = new AbortController();
    const tasks = Array.from({ length: 5 }, () => (signal: AbortSignal) => delay(1000, signal));
    setTimeout(() => controller.abort(new Error('interrupted')), 10);
    await expect(runPool(tasks, { jobs: 2, signal: controller.signal })).rejects.toThrow('interrupted');
    const already = AbortSignal.abort(new Error('early'));
    let ran = false;
    await expect(
      runPool(
        [
          async () => {
            ran = true;
          },
        ],
        { signal: already },
      ),
    ).rejects.toThrow('early');
    expect(ran).toBe(false);
  });

  it('handles no tasks and rejects a bad job count', async () => {
    expect(await runPool([])).toEqual([]);
    await expect(runPool([], { jobs: 0 })).rejects.toThrow(RangeError);
    await expect(runPool([], { jobs: 1.5 })).rejects.toThrow(RangeError);
  });
});

describe('allSettled', () => {
  it('resolves like Promise.all', async () => {
    expect(await allSettled([Promise.resolve(1), Promise.resolve('a')] as const)).toEqual([1, 'a']);
  });

  it('throws the first rejection in time only once everything has settled', async () => {
    const settled: string[] = [];
    const later = (ms: number, name: string, fail: boolean) =>
      new Promise<string>((resolve, reject) =>
        setTimeout(() => {
          settled.push(name);
          fail ? reject(new Error(name)) : resolve(name);
        }, ms),
      );
    await expect(
      allSettled([later(30, 'slow', false), later(20, 'second', true), later(1, 'first', true)]),
    ).rejects.toThrow('first');
    expect(settled.sort()).toEqual(['first', 'second', 'slow']);
  });
});

describe('FailFast', () => {
  it('keeps the first failure, aborts its signal once, and blames it for what that stopped', () => {
    const run = new FailFast();
    const first = new Error('first');
    expect(run.signal.aborted).toBe(false);
    expect(() => run.check()).not.toThrow();
    expect(run.blame(first)).toBe(first);
    run.fail(first);
    run.fail(new Error('second'));
    expect(run.signal.aborted).toBe(true);
    expect(run.blame(new Error('aborted'))).toBe(first);
    expect(() => run.check()).toThrow(first);
  });

  it('allSettled fails it at the first rejection, before the rest settle, and throws that failure', async () => {
    const run = new FailFast();
    const real = new Error('404');
    // Stops only when told to, as a download given the signal does, with its own abort error.
    const stoppable = new Promise<string>((_resolve, reject) => {
      run.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
    });
    // Failed elsewhere first, as a download deep in a pool does; reaches allSettled only later.
    const elsewhere = new Error('elsewhere');
    run.fail(elsewhere);
    await expect(allSettled([stoppable, Promise.reject(real)], run)).rejects.toBe(elsewhere);

    const fresh = new FailFast();
    const waits = new Promise<string>((_resolve, reject) => {
      fresh.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
    });
    await expect(allSettled([waits, Promise.reject(real)], fresh)).rejects.toBe(real);
    expect(fresh.signal.aborted).toBe(true);
  });

  it('runPool fails it at the first task failure, while its other tasks still run', async () => {
    const run = new FailFast();
    const real = new Error('404');
    let abortedWhileRunning = false;
    const waiting: Task<string> = () =>
      new Promise((_resolve, reject) => {
        run.signal.addEventListener(
          'abort',
          () => {
            abortedWhileRunning = true;
            reject(new Error('aborted'));
          },
          { once: true },
        );
      });
    await expect(runPool([waiting, () => Promise.reject(real)], { failFast: run })).rejects.toBe(real);
    expect(abortedWhileRunning).toBe(true);
  });
});
