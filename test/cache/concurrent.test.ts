/**
 * `cache prune` and `cache verify` in a loop beside runs of a build's
 * downloads on the same cache, each run a child process: one that downloads
 * everything into an empty cache, one that revalidates (or, with -r, just
 * uses) a full cache last used long ago, one that repairs a damaged blob.
 * The loop prunes as hard as it can (every entry not in use, down to one
 * byte) and verifies. Every run must get every file, with the right bytes,
 * and still read them at its end; while the run lives, nothing it got may
 * go; once it has ended, a prune empties the cache.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { listCache, pruneCache, verifyCache } from '../../src/cache/index.js';
import { buildCacheChild } from '../fetch/fixtures/build-child.js';
import { WorldServer } from '../world/server.js';
import { cacheFiles, DAY, hex, lastUsed } from './helpers.js';

const FILES = 10;
/** Files 0-7 differ; 8 and 9 have the bytes of 0 and 1 (one blob, two entries), as a mirror and its copy. */
const bodyOf = (i: number) => Buffer.alloc(400_000 + (i % 8) * 1000, `file-${i % 8}-`);
const ROUNDS = 4;

let server: WorldServer;
let root: string;
let child: string;
const paths = Array.from({ length: FILES }, (_, i) => `/tcz/f${i}.tcz`);
let urls: string[];

beforeAll(async () => {
  server = await WorldServer.start(new Map(paths.map((p, i) => [p, bodyOf(i)])));
  urls = paths.map((p) => `${server.url}${p}`);
  root = await mkdtemp(join(tmpdir(), 'mkbundle-cache-concurrent-'));
  child = await buildCacheChild(root, new URL('fixtures/run-child.ts', import.meta.url));
});
afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

interface Outcome {
  readonly ok: boolean;
  readonly files?: Record<string, string>;
  readonly error?: string;
}

/** One run in a child, with prune and verify looping beside its downloads and before its reads. */
async function runBeside(dir: string, offline: boolean): Promise<{ outcome: Outcome; taken: string[] }> {
  const proc = execa('node', [child, dir, ...(offline ? ['--offline'] : []), ...urls], { stdin: 'pipe' });
  const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  const next = async () => (await lines.next()).value as string;
  expect(await next()).toBe('ready');
  proc.stdin.write('\n');
  let fetched = false;
  const phase = next().then((line) => {
    fetched = line === 'fetched';
    return line;
  });
  const taken: string[] = [];
  const pass = async () => {
    const pruned = await pruneCache(dir, { olderThanMs: 0, maxBytes: 1 });
    taken.push(...pruned.removedBlobs.map((b) => b.sha256));
    const verified = await verifyCache(dir);
    taken.push(...verified.damagedBlobs.map((b) => b.sha256));
  };
  while (!fetched && proc.exitCode === null) {
    await pass();
  }
  expect(await phase).toBe('fetched');
  // The run holds its files now and has not read them yet: what it got must survive these.
  const before = taken.length;
  await pass();
  await pass();
  const takenWhileHeld = taken.slice(before);
  proc.stdin.write('\n');
  const outcome = JSON.parse(await next()) as Outcome;
  await proc;
  return { outcome, taken: takenWhileHeld };
}

const expected = () => Object.fromEntries(urls.map((u, i) => [u, hex('sha256', bodyOf(i))]));

/** A quiet run: fills the cache, then it is left alone for 40 days. */
async function filledLongAgo(dir: string): Promise<void> {
  await execa('node', [child, dir, ...urls], { input: '\n\n' });
  await lastUsed(await cacheFiles(dir), 40 * DAY);
}

async function expectPrunedEmpty(dir: string): Promise<void> {
  await pruneCache(dir, { olderThanMs: 0 });
  const listing = await listCache(dir);
  expect(listing.activeRuns).toBe(0);
  expect(listing.totals).toMatchObject({ entries: 0, blobs: 0, tempFiles: 0 });
}

it('runs that download into an empty cache get every file whole while prune and verify loop beside them', async () => {
  for (let round = 0; round < ROUNDS; round++) {
    const dir = join(root, `empty-${round}`);
    const { outcome, taken } = await runBeside(dir, round % 2 === 1);
    expect(outcome).toEqual({ ok: true, files: expected() });
    expect(taken).toEqual([]);
    await expectPrunedEmpty(dir);
  }
});

it('runs that use a cache last used long ago keep what they touch; prune takes the rest, which they fetch again', async () => {
  for (let round = 0; round < ROUNDS; round++) {
    const dir = join(root, `old-${round}`);
    await filledLongAgo(dir);
    const { outcome, taken } = await runBeside(dir, round % 2 === 1);
    expect(outcome).toEqual({ ok: true, files: expected() });
    expect(taken).toEqual([]);
    await expectPrunedEmpty(dir);
  }
});

it('a run repairing a damaged blob keeps its good copy while verify removes damaged ones beside it', async () => {
  for (let round = 0; round < ROUNDS; round++) {
    const dir = join(root, `damaged-${round}`);
    await filledLongAgo(dir);
    const blob = join(dir, 'blobs', 'sha256', hex('sha256', bodyOf(0)));
    const bytes = await readFile(blob);
    bytes[1000] = (bytes[1000] ?? 0) ^ 0xff;
    await chmod(blob, 0o644);
    await writeFile(blob, bytes);
    const { outcome, taken } = await runBeside(dir, round % 2 === 1);
    expect(outcome).toEqual({ ok: true, files: expected() });
    expect(taken).toEqual([]);
    expect(hex('sha256', await readFile(blob))).toBe(hex('sha256', bodyOf(0)));
    await expectPrunedEmpty(dir);
  }
});
