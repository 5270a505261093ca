import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sweepStale } from '../../src/fetch/files.js';
import { liveRuns, registerRun, runsDir } from '../../src/fetch/runs.js';
import { ownerTag } from '../../src/owner.js';
import { deadOwnerTag } from '../helpers/owners.js';
import { WorldServer } from '../world/server.js';
import { buildCacheChild } from './fixtures/build-child.js';

const DAY = 24 * 60 * 60 * 1000;
let server: WorldServer;
let root: string;
let child: string;

beforeAll(async () => {
  server = await WorldServer.start(new Map([['/tcz/a.tcz', Buffer.alloc(10_000, 'a')]]));
  root = await mkdtemp(join(tmpdir(), 'mkbundle-runs-'));
  child = await buildCacheChild(root);
});
afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

/** A child process that has used the cache in `dir` once and waits; `stop` lets it exit normally. */
async function childRun(dir: string) {
  const proc = execa('node', [child, dir, `${server.url}/tcz/a.tcz`, '--runs', '1'], { stdin: 'pipe' });
  const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  await lines.next();
  proc.stdin.write('\n');
  expect(JSON.parse((await lines.next()).value)).toMatchObject({ ok: true });
  return {
    proc,
    stop: () => {
      proc.stdin.end();
      return proc;
    },
  };
}

it('one marker per process and cache dir, named by its owner; its mtime is when the run began', async () => {
  const dir = join(root, 'own');
  await registerRun(dir);
  await registerRun(dir);
  const names = await readdir(runsDir(dir));
  expect(names).toHaveLength(1);
  expect(names[0]?.startsWith(`${ownerTag()}-`)).toBe(true);
  const { mtimeMs } = await stat(join(runsDir(dir), names[0] as string));
  expect(await liveRuns(dir)).toEqual({ count: 1, since: mtimeMs });
});

it('a run that exits removes its marker; one killed outright leaves it, not live, swept by the next run', async () => {
  const dir = join(root, 'children');
  const a = await childRun(dir);
  const b = await childRun(dir);
  expect((await liveRuns(dir)).count).toBe(2);
  await a.stop();
  expect(await readdir(runsDir(dir))).toHaveLength(1);
  b.proc.kill('SIGKILL');
  await b.proc.catch(() => undefined);
  expect(await readdir(runsDir(dir))).toHaveLength(1);
  expect(await liveRuns(dir)).toEqual({ count: 0, since: undefined });
  await registerRun(dir);
  expect((await readdir(runsDir(dir))).map((name) => name.startsWith(`${ownerTag()}-`))).toEqual([true]);
});

it('a marker over the age limit, or of an ended owner, is not a live run; an unknown owner is', async () => {
  const dir = join(root, 'ages');
  await registerRun(dir);
  const runs = runsDir(dir);
  const [own] = await readdir(runs);
  const dayAgo = (Date.now() - DAY - 60_000) / 1000;
  await utimes(join(runs, own as string), dayAgo, dayAgo);
  await writeFile(join(runs, `${await deadOwnerTag()}-00ff.part`), '');
  await writeFile(join(runs, 'not-a-tag.part'), '');
  const { mtimeMs } = await stat(join(runs, 'not-a-tag.part'));
  expect(await liveRuns(dir)).toEqual({ count: 1, since: mtimeMs });
  expect(await sweepStale(runs, DAY)).toMatchObject({ files: 2 });
  expect(await readdir(runs)).toEqual(['not-a-tag.part']);
});

it('a cache where no marker can be made still serves the run, unmarked', async () => {
  const dir = join(root, 'unmarkable');
  await mkdir(dir);
  await writeFile(runsDir(dir), 'a file where runs/ would go');
  const got = JSON.parse((await execa('node', [child, dir, `${server.url}/tcz/a.tcz`])).stdout);
  expect(got).toMatchObject({ size: 10_000, fromCache: false });
  expect(await readFile(runsDir(dir), 'utf8')).toBe('a file where runs/ would go');
});

it('no runs/ directory: no live runs', async () => {
  expect(await liveRuns(join(root, 'none'))).toEqual({ count: 0, since: undefined });
});
