import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WorldServer } from '../world/server.js';
import { buildCacheChild } from './fixtures/build-child.js';

const BODY = Buffer.alloc(2_000_000, 'iso-bytes-');
const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

let server: WorldServer;
let root: string;
let child: string;

beforeAll(async () => {
  server = await WorldServer.start(new Map([['/release/Core-current.iso', BODY]]));
  root = await mkdtemp(join(tmpdir(), 'mkbundle-xproc-'));
  child = await buildCacheChild(root);
});
afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

it('two processes downloading one URL into one cache dir agree, and leave no temp files', async () => {
  const dir = join(root, 'cache');
  const url = `${server.url}/release/Core-current.iso`;
  // Both requests wait, so both downloads overlap.
  server.fault('/release/Core-current.iso', { kind: 'slow', delayMs: 300, times: 2 });
  const [a, b] = await Promise.all([execa('node', [child, dir, url]), execa('node', [child, dir, url])]);
  const files = [JSON.parse(a.stdout), JSON.parse(b.stdout)];
  expect(server.count()).toBe(2);
  for (const f of files) {
    expect(f).toMatchObject({ sha256: sha256(BODY), size: BODY.length, fromCache: false });
    expect(f.path).toBe(join(dir, 'blobs', 'sha256', sha256(BODY)));
  }
  expect((await readFile(files[0].path)).equals(BODY)).toBe(true);
  expect(await readdir(join(dir, 'tmp'))).toEqual([]);
  const entry = JSON.parse(await readFile(join(dir, 'index', `${sha256(url)}.json`), 'utf8'));
  expect(entry.sha256).toBe(sha256(BODY));

  // A third process revalidates what the first two stored.
  server.resetLog();
  const c = JSON.parse((await execa('node', [child, dir, url])).stdout);
  expect(c.fromCache).toBe(true);
  expect(server.requests.map((r) => r.status)).toEqual([304]);
});
