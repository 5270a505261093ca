import { appendFile, chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { formatCacheListing, listCache } from '../../src/cache/index.js';
import { InputError } from '../../src/errors.js';
import { tempName } from '../../src/fetch/files.js';
import { deadOwnerTag } from '../helpers/owners.js';
import type { WorldServer } from '../world/server.js';
import { BODIES, blobFile, fillCache, hex, indexFile, MISSING_DEP, PATHS, startCacheWorld } from './helpers.js';

let server: WorldServer;
let root: string;
const url = (path: string) => `${server.url}${path}`;

beforeAll(async () => {
  server = await startCacheWorld();
  root = await mkdtemp(join(tmpdir(), 'mkbundle-cache-ls-'));
});
afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

const iso = async (path: string) => new Date((await stat(path)).mtimeMs).toISOString();

it('no cache yet: an empty listing', async () => {
  const dir = join(root, 'none');
  const listing = await listCache(dir);
  expect(listing).toMatchObject({ dir, entries: [], orphanBlobs: [], unreadable: [], tempFiles: [], activeRuns: 0 });
  expect(listing.totals).toEqual({
    entries: 0,
    notFound: 0,
    blobs: 0,
    blobBytes: 0,
    orphanBlobs: 0,
    orphanBytes: 0,
    tempFiles: 0,
    tempBytes: 0,
    indexBytes: 0,
    bytes: 0,
  });
  expect(formatCacheListing(listing)).toBe(`cache ${dir}: empty`);
});

it('lists every entry by URL with its size, sums, blob and last use; a blob two URLs share counts once', async () => {
  const dir = join(root, 'full');
  await fillCache(server, dir);
  const listing = await listCache(dir);
  const present = async (path: string, body: Buffer) => ({
    url: url(path),
    notFound: false,
    size: body.length,
    sha256: hex('sha256', body),
    md5: hex('md5', body),
    blob: 'present',
    fetchedAt: expect.any(String),
    lastUsed: await iso(indexFile(dir, url(path))),
  });
  expect(listing.entries).toEqual([
    await present(PATHS.aAgain, BODIES.a),
    await present(PATHS.a, BODIES.a),
    {
      url: url(MISSING_DEP),
      notFound: true,
      size: null,
      sha256: null,
      md5: null,
      blob: null,
      fetchedAt: expect.any(String),
      lastUsed: await iso(indexFile(dir, url(MISSING_DEP))),
    },
    await present(PATHS.b, BODIES.b),
    await present(PATHS.c, BODIES.c),
  ]);
  // This process's cache marked it as in use.
  expect(listing.activeRuns).toBe(1);
  expect(listing.totals).toMatchObject({ entries: 5, notFound: 1, blobs: 3, blobBytes: 350_000, orphanBlobs: 0 });
  expect(listing.totals.bytes).toBe(350_000 + listing.totals.indexBytes);
  expect(JSON.parse(JSON.stringify(listing))).toEqual(listing);

  const text = formatCacheListing(listing).split('\n');
  expect(text[0]).toBe(
    `cache ${dir}: 4 entries, 1 recorded 404, 3 blobs (341.8 KiB), ${(listing.totals.bytes / 1024).toFixed(1)} KiB in all; 1 run using it now`,
  );
  expect(text[1]).toMatch(/^ +SIZE {2}LAST USED \(UTC\) +URL$/);
  expect(text[2]).toMatch(new RegExp(`^ +195\\.3 KiB  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d  ${url(PATHS.aAgain)}$`));
  expect(text[4]).toMatch(/ +- {2}\S+ \S+ {2}.*\/tcz\/a\.tcz\.dep {2}\(404 recorded\)$/);
  expect(text).toHaveLength(7);
});

it('shows what is wrong or left over: missing and resized blobs, orphans, unreadable entries, temp files', async () => {
  const dir = join(root, 'faults');
  await fillCache(server, dir);
  await rm(blobFile(dir, BODIES.c));
  await chmod(blobFile(dir, BODIES.a), 0o644);
  await appendFile(blobFile(dir, BODIES.a), 'x');
  await rm(indexFile(dir, url(PATHS.aAgain)));
  await writeFile(indexFile(dir, url(PATHS.b)), 'not json');
  // Well-formed, but not for the URL its name is the hash of.
  const elsewhere = `${hex('sha256', 'http://elsewhere/x.tcz')}.json`;
  await writeFile(join(dir, 'index', elsewhere), await readFile(indexFile(dir, url(PATHS.c))));
  await writeFile(join(dir, 'index', 'README'), 'not the cache’s');
  const live = tempName(join(dir, 'tmp'));
  const dead = join(dir, 'tmp', `${await deadOwnerTag()}-00ff.part`);
  await writeFile(live, 'partial download');
  await writeFile(dead, 'left by a killed run');

  const listing = await listCache(dir);
  expect(listing.entries.map((e) => [e.url, e.blob])).toEqual([
    [url(PATHS.a), 'wrong-size'],
    [url(MISSING_DEP), null],
    [url(PATHS.c), 'missing'],
  ]);
  expect(listing.orphanBlobs).toEqual([
    { sha256: hex('sha256', BODIES.b), size: BODIES.b.length, lastUsed: await iso(blobFile(dir, BODIES.b)) },
  ]);
  expect(listing.unreadable.map((f) => f.name)).toEqual([elsewhere, basename(indexFile(dir, url(PATHS.b)))].sort());
  expect(listing.tempFiles.map((t) => [t.name, t.size, t.leftOver])).toEqual(
    [
      [basename(live), 16, false],
      [basename(dead), 20, true],
    ].sort((x, y) => (String(x[0]) < String(y[0]) ? -1 : 1)),
  );
  expect(listing.totals).toMatchObject({
    blobs: 2,
    blobBytes: BODIES.a.length + 1 + BODIES.b.length,
    orphanBlobs: 1,
    orphanBytes: BODIES.b.length,
    tempFiles: 2,
    tempBytes: 36,
  });
  const text = formatCacheListing(listing);
  expect(text).toContain(`${url(PATHS.a)}  (blob has another size)`);
  expect(text).toContain(`${url(PATHS.c)}  (blob missing)`);
  expect(text).toContain('blobs no entry names (prune removes them): 1 blob, 97.7 KiB');
  expect(text).toContain('unreadable index files (verify drops them): 2');
  expect(text).toContain('temp files: 2, 36 B (1 left over by ended runs: prune removes them)');
  expect(text).toMatch(/-00ff\.part {2}\(left over\)$/m);
});

it('a URL the index holds is shown with its control characters escaped, and kept as it is in the data', async () => {
  const dir = join(root, 'hostile');
  await mkdir(join(dir, 'index'), { recursive: true });
  const hostile = 'http://host/\u001b[2Jx.tcz';
  const entry = { url: hostile, absent: true, fetchedAt: '2025-01-02T03:04:05.000Z' };
  await writeFile(join(dir, 'index', `${hex('sha256', hostile)}.json`), JSON.stringify(entry));
  const listing = await listCache(dir);
  expect(listing.entries.map((e) => e.url)).toEqual([hostile]);
  expect(formatCacheListing(listing)).toContain('http://host/\\u{1b}[2Jx.tcz  (404 recorded)');
});

it('a cache path that is not a directory is an InputError naming it (exit 2)', async () => {
  const file = join(root, 'a-file');
  await writeFile(file, '');
  const error = await listCache(file).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(InputError);
  expect((error as InputError).exitCode).toBe(2);
  expect((error as Error).message).toBe(`cannot use cache directory ${file}: not a directory`);
});
