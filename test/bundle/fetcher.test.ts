import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunFetcher } from '../../src/bundle/fetcher.js';
import type { ProgressEvent } from '../../src/cli/progress.js';
import { DownloadCache } from '../../src/fetch/cache.js';
import { HttpError } from '../../src/fetch/failure.js';
import { createHttpClient } from '../../src/fetch/http.js';
import { FailFast } from '../../src/fetch/pool.js';
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

describe('RunFetcher: the first failed download stops the run', () => {
  it('aborts the downloads in flight, which report nothing, leave no temp file and blame the first failure', async () => {
    // Far longer than the test: only the abort ends this download.
    server.fault('/slow.tcz', { kind: 'slow', delayMs: 600_000 });
    const cacheDir = join(root, 'cache');
    const cache = new DownloadCache({ dir: cacheDir, client: createHttpClient({ version: 'test' }) });
    const events: ProgressEvent[] = [];
    const run = new FailFast();
    const fetcher = new RunFetcher(cache, false, (event) => events.push(event), 4, run);

    const slow = fetcher.file(`${server.url}/slow.tcz`);
    while (server.count((r) => r.path === '/slow.tcz') === 0) await new Promise((r) => setTimeout(r, 10));
    const missing = fetcher.file(`${server.url}/missing.tcz`);
    const [slowResult, missingResult] = await Promise.allSettled([slow, missing]);

    expect(missingResult.status).toBe('rejected');
    const error = (missingResult as PromiseRejectedResult).reason;
    expect(error).toBeInstanceOf(HttpError);
    expect((slowResult as PromiseRejectedResult).reason).toBe(error);
    expect(run.signal.aborted).toBe(true);
    expect(events.filter((e) => e.type === 'download-done')).toEqual([]);
    expect(await readdir(join(cacheDir, 'tmp'))).toEqual([]);
    // The aborted URL is not recorded as absent, or a later -r run would skip it.
    expect(await readdir(join(cacheDir, 'index'))).toHaveLength(1);

    server.resetLog();
    await expect(fetcher.file(`${server.url}/later.tcz`)).rejects.toBe(error);
    expect(server.requests).toEqual([]);
    expect(events.filter((e) => e.type === 'download-start')).toHaveLength(2);
    server.clearFaults();
  });
});
