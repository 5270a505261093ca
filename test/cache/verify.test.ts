import { chmod, mkdtemp, readdir, readFile, readlink, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { formatVerifyReport, listCache, verifyCache } from '../../src/cache/index.js';
import type { WorldServer } from '../world/server.js';
import {
  BODIES,
  blobFile,
  fillCache,
  hex,
  indexFile,
  MISSING_DEP,
  openCache,
  PATHS,
  startCacheWorld,
} from './helpers.js';

let server: WorldServer;
let root: string;
let n = 0;
const url = (path: string) => `${server.url}${path}`;

beforeAll(async () => {
  server = await startCacheWorld();
  root = await mkdtemp(join(tmpdir(), 'mkbundle-cache-verify-'));
});
afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

async function filled(): Promise<string> {
  n += 1;
  const dir = join(root, `c${n}`);
  await fillCache(server, dir);
  return dir;
}

/** Same size, one byte flipped: only a rehash finds it. */
async function damage(path: string): Promise<void> {
  const bytes = await readFile(path);
  bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0xff;
  await chmod(path, 0o644);
  await writeFile(path, bytes);
}

it('a sound cache: every blob rehashed, nothing removed', async () => {
  const dir = await filled();
  const before = await listCache(dir);
  const report = await verifyCache(dir);
  expect(report).toEqual({
    dir,
    blobsChecked: 3,
    bytesChecked: 350_000,
    damagedBlobs: [],
    replacedBlobs: 0,
    droppedEntries: [],
    bytesFreed: 0,
  });
  expect((await listCache(dir)).entries).toEqual(before.entries);
  expect(await readdir(join(dir, 'tmp'))).toEqual([]);
  expect(formatVerifyReport(report)).toBe(`checked 3 blobs (341.8 KiB) in ${dir}: all sound\nfreed 0 B`);
});

it('removes a damaged blob and drops every entry naming it; the next run downloads it again', async () => {
  const dir = await filled();
  await damage(blobFile(dir, BODIES.a));
  const damagedSha = hex('sha256', await readFile(blobFile(dir, BODIES.a)));
  const report = await verifyCache(dir);
  expect(report.damagedBlobs).toEqual([
    { sha256: hex('sha256', BODIES.a), size: BODIES.a.length, actualSha256: damagedSha },
  ]);
  const dropped = [PATHS.aAgain, PATHS.a].map((p) => ({
    file: basename(indexFile(dir, url(p))),
    url: url(p),
    reason: 'damaged-blob',
  }));
  expect(report.droppedEntries).toEqual(dropped.sort((x, y) => (x.file < y.file ? -1 : 1)));
  expect(report.bytesFreed).toBeGreaterThan(BODIES.a.length);
  expect((await listCache(dir)).entries.map((e) => e.url)).toEqual([url(MISSING_DEP), url(PATHS.b), url(PATHS.c)]);
  expect(await readdir(join(dir, 'tmp'))).toEqual([]);

  server.resetLog();
  const file = await openCache(dir).get(url(PATHS.a), { policy: 'prefer-cache' });
  expect(file).toMatchObject({ sha256: hex('sha256', BODIES.a), fromCache: false });
  expect(server.count()).toBe(1);
  const text = formatVerifyReport(report);
  expect(text).toContain(
    `: 1 damaged, removed\n  removed blob ${hex('sha256', BODIES.a)} (195.3 KiB): its bytes hash to ${damagedSha}`,
  );
  expect(text).toContain(`  dropped index entry ${url(PATHS.a)}: its blob was damaged`);
});

it('drops entries whose blob is missing, that disagree with their blob, or that cannot be read; keeps 404 records', async () => {
  const dir = await filled();
  await rm(blobFile(dir, BODIES.c));
  const b = indexFile(dir, url(PATHS.b));
  const entry = JSON.parse(await readFile(b, 'utf8'));
  await writeFile(b, JSON.stringify({ ...entry, md5: hex('md5', 'something else') }));
  const aAgain = indexFile(dir, url(PATHS.aAgain));
  await writeFile(aAgain, '{"url": ');
  const report = await verifyCache(dir);
  expect(report.damagedBlobs).toEqual([]);
  expect(report.droppedEntries).toEqual(
    [
      { file: basename(indexFile(dir, url(PATHS.c))), url: url(PATHS.c), reason: 'missing-blob' },
      { file: basename(b), url: url(PATHS.b), reason: 'wrong-digests' },
      { file: basename(aAgain), url: null, reason: 'unreadable' },
    ].sort((x, y) => (x.file < y.file ? -1 : 1)),
  );
  const listing = await listCache(dir);
  expect(listing.entries.map((e) => e.url)).toEqual([url(PATHS.a), url(MISSING_DEP)]);
  // The blob b's entry misdescribed is sound: an orphan now, for prune.
  expect(listing.orphanBlobs.map((o) => o.sha256)).toEqual([hex('sha256', BODIES.b)]);
  const text = formatVerifyReport(report);
  expect(text).toContain(`dropped index entry ${url(PATHS.b)}: its size or md5 is not its blob’s`);
  expect(text).toContain(`dropped index entry ${basename(aAgain)}: unreadable`);
  expect(text).toContain(`dropped index entry ${url(PATHS.c)}: its blob is missing`);
});

/** Whether this process has `path` open now. */
async function isOpen(path: string): Promise<boolean> {
  for (const fd of await readdir('/proc/self/fd')) {
    if ((await readlink(`/proc/self/fd/${fd}`).catch(() => '')) === path) return true;
  }
  return false;
}

it('a good copy another run renames to a damaged blob’s name while verify hashes the damaged one stays', async () => {
  const dir = await filled();
  const blob = blobFile(dir, BODIES.a);
  // Damaged and large (sparse), so that hashing it takes a while.
  await chmod(blob, 0o644);
  await truncate(blob, 64 * 1024 * 1024);
  const verifying = verifyCache(dir);
  while (!(await isOpen(blob))) await sleep(2);
  // As a run repairing it does: a fresh download renamed to the blob's name.
  const good = join(dir, 'tmp', 'repair.part');
  await writeFile(good, BODIES.a);
  await rename(good, blob);
  const report = await verifying;
  expect(report).toMatchObject({ damagedBlobs: [], replacedBlobs: 1, droppedEntries: [], bytesFreed: 0 });
  expect((await readFile(blob)).equals(BODIES.a)).toBe(true);
  expect(formatVerifyReport(report)).toContain('  left 1 damaged blob another run took up while it was checked');
  expect((await listCache(dir)).entries.every((e) => e.blob === 'present' || e.blob === null)).toBe(true);
});

it('no cache: nothing checked, nothing made', async () => {
  const dir = join(root, 'none');
  expect(await verifyCache(dir)).toMatchObject({ blobsChecked: 0, damagedBlobs: [], droppedEntries: [] });
  await expect(readdir(dir)).rejects.toThrow(/ENOENT/);
});
