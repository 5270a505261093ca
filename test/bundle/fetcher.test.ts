import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunFetcher } from '../../src/bundle/fetcher.js';
import type { ProgressEvent } from '../../src/cli/progress.js';
import { DownloadCache } from '../../src/fetch/cache.js';
import { HttpError } from '../../src/fetch/failure.js';
import { createHttpClient } from '../../src/fetch/http.js';
import { FailFast, runPool } from '../../src/fetch/pool.js';
import { DEFAULT_SIZE_LIMITS } from '../../src/fetch/size-limit.js';
import { WorldServer } from '../world/server.js';

let server: WorldServer;
let root: string;

beforeAll(async () => {
  server = await WorldServer.start(
    new Map([
      ['/slow.tcz', Buffer.alloc(100_000, 's')],
      ['/later.tcz', Buffer.from('later')],
    ]),
  );
  root = await mkdtemp(join(tmpdir(), 'mkbundle-fetcher-'));
});
afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

describe('RunFetcher and the run it belongs to', () => {
  const fresh = (name: string) => {
    const cacheDir = join(root, name);
    const cache = new DownloadCache({ dir: cacheDir, client: createHttpClient({ version: 'test' }) });
    const events: ProgressEvent[] = [];
    const run = new FailFast();
    return {
      cacheDir,
      events,
      run,
      fetcher: new RunFetcher(cache, (event) => events.push(event), run, {
        policy: 'revalidate',
        jobs: 4,
        limits: DEFAULT_SIZE_LIMITS,
      }),
    };
  };

  it('a failed download the caller handles (a probe) does not stop the run', async () => {
    const { fetcher, run } = fresh('handled');
    await expect(fetcher.file(`${server.url}/probe/info/facter`, 'payload')).rejects.toBeInstanceOf(HttpError);
    expect(run.signal.aborted).toBe(false);
    expect((await fetcher.file(`${server.url}/later.tcz`, 'payload')).size).toBe(5);
  });

  it('a failure escaping a pool aborts the downloads in flight: no report, no temp file, the first failure blamed', async () => {
    // Far longer than the test: only the abort ends this download.
    server.fault('/slow.tcz', { kind: 'slow', delayMs: 600_000 });
    const { cacheDir, events, run, fetcher } = fresh('aborted');
    const slow = fetcher.file(`${server.url}/slow.tcz`, 'payload');
    while (server.count((r) => r.path === '/slow.tcz') === 0) await new Promise((r) => setTimeout(r, 10));
    const pool = runPool([() => fetcher.file(`${server.url}/missing.tcz`, 'payload')], { failFast: run });
    const [slowResult, poolResult] = await Promise.allSettled([slow, pool]);

    const error = (poolResult as PromiseRejectedResult).reason;
    expect(error).toBeInstanceOf(HttpError);
    expect((error as Error).message).toContain('/missing.tcz: 404');
    expect((slowResult as PromiseRejectedResult).reason).toBe(error);
    expect(run.signal.aborted).toBe(true);
    expect(events.filter((e) => e.type === 'download-done')).toEqual([]);
    expect(await readdir(join(cacheDir, 'tmp'))).toEqual([]);
    // Only the 404 is in the index: the aborted URL is not recorded as absent, or a later -r run would skip it.
    expect(await readdir(join(cacheDir, 'index'))).toHaveLength(1);

    server.resetLog();
    await expect(fetcher.file(`${server.url}/later.tcz`, 'payload')).rejects.toBe(error);
    expect(server.requests).toEqual([]);
    expect(events.filter((e) => e.type === 'download-start')).toHaveLength(2);
    server.clearFaults();
  });
});
