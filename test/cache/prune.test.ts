import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { formatPruneReport, listCache, pruneCache } from '../../src/cache/index.js';
import { tempName } from '../../src/fetch/files.js';
import { buildCacheChild } from '../fetch/fixtures/build-child.js';
import { deadOwnerTag, liveOwner } from '../helpers/owners.js';
import type { WorldServer } from '../world/server.js';
import {
  BODIES,
  blobFile,
  cacheFiles,
  DAY,
  fillCache,
  hex,
  indexFile,
  lastUsed,
  MISSING_DEP,
  openCache,
  PATHS,
  startCacheWorld,
} from './helpers.js';

let server: WorldServer;
let root: string;
let child: string;
let n = 0;
const url = (path: string) => `${server.url}${path}`;

beforeAll(async () => {
  server = await startCacheWorld();
  root = await mkdtemp(join(tmpdir(), 'mkbundle-cache-prune-'));
  child = await buildCacheChild(root);
});
afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

/**
 * A cache filled and then left alone for 40 days: everything older than
 * this process's run marker, so no longer in use. `recent` paths were then
 * last used `recentMsAgo` ago (less than 40 days, still before the marker).
 */
async function oldCache(recent: Record<string, number> = {}): Promise<string> {
  n += 1;
  const dir = join(root, `c${n}`);
  await fillCache(server, dir);
  await lastUsed(await cacheFiles(dir), 40 * DAY);
  for (const [path, msAgo] of Object.entries(recent)) {
    const body = Object.values(PATHS).includes(path as never) ? bodyOf(path) : undefined;
    await lastUsed([indexFile(dir, url(path)), ...(body ? [blobFile(dir, body)] : [])], msAgo);
  }
  return dir;
}

function bodyOf(path: string): Buffer {
  return path === PATHS.b ? BODIES.b : path === PATHS.c ? BODIES.c : BODIES.a;
}

const urls = async (dir: string) => (await listCache(dir)).entries.map((e) => e.url);
const blobs = async (dir: string) => (await readdir(join(dir, 'blobs', 'sha256'))).sort();

it('without limits: only blobs nothing names, and ended runs’ temp files; never a live run’s', async () => {
  const dir = await oldCache();
  await rm(indexFile(dir, url(PATHS.c)));
  const live = await liveOwner();
  try {
    const liveTemp = join(dir, 'tmp', `${live.tag}-0123.part`);
    const ownTemp = tempName(join(dir, 'tmp'));
    const deadTemp = join(dir, 'tmp', `${await deadOwnerTag()}-4567.part`);
    for (const path of [liveTemp, ownTemp, deadTemp]) await writeFile(path, 'partial');
    const report = await pruneCache(dir);
    expect(report).toMatchObject({
      olderThanMs: null,
      maxBytes: null,
      removedEntries: [],
      removedBlobs: [
        {
          sha256: hex('sha256', BODIES.c),
          size: BODIES.c.length,
          lastUsed: expect.any(String),
          reason: 'unreferenced',
        },
      ],
      inUse: { entries: 0, blobs: 0 },
      activeRuns: 1,
      tempFiles: { files: 1, bytes: 7 },
      bytesFreed: BODIES.c.length + 7,
      blobBytes: 300_000,
      overMaxBytes: false,
    });
    expect((await readdir(join(dir, 'tmp'))).sort()).toEqual([basename(liveTemp), basename(ownTemp)].sort());
    expect(await urls(dir)).toHaveLength(4);
  } finally {
    await live.stop();
  }
});

it('--older-than drops entries unused that long, and the blobs no entry names any more', async () => {
  const dir = await oldCache({ [PATHS.b]: 2 * DAY, [PATHS.aAgain]: 2 * DAY });
  // Counted back from `now`: 30 days before 20 days ago, nothing was used last.
  const earlier = await pruneCache(dir, { olderThanMs: 30 * DAY, now: Date.now() - 20 * DAY });
  expect(earlier).toMatchObject({ removedEntries: [], removedBlobs: [], olderThanMs: 30 * DAY });
  const report = await pruneCache(dir, { olderThanMs: 30 * DAY });
  expect(report.removedEntries.map((e) => [e.url, e.reason])).toEqual([
    [url(PATHS.a), 'older-than'],
    [url(MISSING_DEP), 'older-than'],
    [url(PATHS.c), 'older-than'],
  ]);
  // a.tcz's blob stays: the second mirror's entry, used two days ago, names it too.
  expect(report.removedBlobs.map((b) => b.sha256)).toEqual([hex('sha256', BODIES.c)]);
  expect(await urls(dir)).toEqual([url(PATHS.aAgain), url(PATHS.b)]);
  expect(await blobs(dir)).toEqual([hex('sha256', BODIES.a), hex('sha256', BODIES.b)].sort());
  expect(formatPruneReport(report)).toMatch(
    /^pruned \S+ \(unused for 30d\): removed 3 entries, 1 blob, 0 left-over temp files; freed 49\.\d KiB, 293\.0 KiB of blobs left\n {2}removed entry http:\S+\/tcz\/a\.tcz \(last used \d{4}-\d\d-\d\d \d\d:\d\d, older-than\)\n/,
  );
});

it('--max-size drops the least recently used blobs, with their entries, until the rest fits', async () => {
  // Last used: c long ago, then a (by either mirror), then b.
  const dir = await oldCache({ [PATHS.a]: 20 * DAY, [PATHS.b]: 10 * DAY });
  const report = await pruneCache(dir, { maxBytes: 150_000 });
  expect(report.removedBlobs.map((b) => [b.sha256, b.reason])).toEqual(
    [
      [hex('sha256', BODIES.a), 'max-size'],
      [hex('sha256', BODIES.c), 'max-size'],
    ].sort(),
  );
  expect(report.removedEntries.map((e) => [e.url, e.reason])).toEqual([
    [url(PATHS.aAgain), 'max-size'],
    [url(PATHS.a), 'max-size'],
    [url(PATHS.c), 'max-size'],
  ]);
  expect(report).toMatchObject({ blobBytes: BODIES.b.length, overMaxBytes: false });
  expect(await urls(dir)).toEqual([url(MISSING_DEP), url(PATHS.b)]);

  const again = await pruneCache(dir, { maxBytes: 150_000 });
  expect(again).toMatchObject({ removedBlobs: [], removedEntries: [], bytesFreed: 0 });
});

it('what a live run has used is kept whatever the limits; once it has ended, it goes', async () => {
  const dir = await oldCache();
  // This process is a live run: using b now makes b in use.
  await openCache(dir).get(url(PATHS.b), { policy: 'prefer-cache' });
  const report = await pruneCache(dir, { olderThanMs: 0, maxBytes: 1 });
  expect(report.removedBlobs.map((b) => b.sha256)).toEqual([hex('sha256', BODIES.a), hex('sha256', BODIES.c)].sort());
  expect(await urls(dir)).toEqual([url(PATHS.b)]);
  expect(report).toMatchObject({ inUse: { entries: 1, blobs: 1 }, overMaxBytes: true, blobBytes: BODIES.b.length });
  const text = formatPruneReport(report);
  expect(text).toContain('  kept 1 entry and 1 blob that running builds may be using');
  expect(text).toContain('  still over 1 B: the rest may be in use by running builds');

  // Another process's run: in use while it lives, prunable once it has exited.
  const other = await oldCache();
  const proc = execa('node', [child, other, url(PATHS.c), '--runs', '1'], { stdin: 'pipe' });
  const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  await lines.next();
  proc.stdin.write('\n');
  expect(JSON.parse((await lines.next()).value)).toMatchObject({ ok: true, sha256: hex('sha256', BODIES.c) });
  await lastUsed([indexFile(other, url(PATHS.c))], 0);
  expect((await pruneCache(other, { olderThanMs: 0 })).activeRuns).toBe(2);
  expect(await urls(other)).toEqual([url(PATHS.c)]);
  proc.stdin.end();
  await proc;
  await lastUsed(await cacheFiles(other), 40 * DAY);
  expect((await pruneCache(other, { olderThanMs: 0 })).removedEntries.map((e) => e.url)).toEqual([url(PATHS.c)]);
});

it('a blob stored since the run began but not indexed yet is kept; an old one nothing names goes', async () => {
  const dir = await oldCache();
  await rm(indexFile(dir, url(PATHS.b)));
  // As a run between renaming its download to the blob name and writing the entry.
  await lastUsed([blobFile(dir, BODIES.b)], -1000);
  expect((await pruneCache(dir)).inUse).toEqual({ entries: 0, blobs: 1 });
  expect(await blobs(dir)).toContain(hex('sha256', BODIES.b));
  await lastUsed([blobFile(dir, BODIES.b)], 40 * DAY);
  expect((await pruneCache(dir)).removedBlobs.map((b) => b.sha256)).toEqual([hex('sha256', BODIES.b)]);
});

it('sweeps the markers of ended runs; no cache: nothing to do, nothing made', async () => {
  const dir = await oldCache();
  await writeFile(join(dir, 'runs', `${await deadOwnerTag()}-89ab.part`), '');
  await pruneCache(dir);
  expect(await readdir(join(dir, 'runs'))).toHaveLength(1);
  const none = join(root, 'none');
  expect(await pruneCache(none, { maxBytes: 1 })).toMatchObject({ removedBlobs: [], bytesFreed: 0, maxBytes: 1 });
  await expect(readdir(none)).rejects.toThrow(/ENOENT/);
  await mkdir(none);
  expect((await pruneCache(none)).blobBytes).toBe(0);
});
