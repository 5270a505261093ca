/**
 * Two runs at once on one cache dir, one repairing a damaged blob while the
 * other stores the same bytes (a first download of another URL with the same
 * content): the repairer's check of the damaged copy ends after the other
 * has renamed its good copy to the blob's name. Each round starts the second
 * run a little later (0 to 105 ms), so some rounds hit that window on a fast
 * machine and on a slow one; the old delete-on-damage lost about 4 rounds in 10.
 */
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WorldServer } from '../world/server.js';
import { buildCacheChild } from './fixtures/build-child.js';

const ROUNDS = 16;
const STEP_MS = 15;
/** Big enough that hashing it takes a while, so the window is wide. */
const BODY = Buffer.alloc(8_000_000, 'iso-bytes-');
const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

let server: WorldServer;
let root: string;
let child: string;

beforeAll(async () => {
  server = await WorldServer.start(
    new Map([
      ['/a/Core-current.iso', BODY],
      ['/b/Core-current.iso', BODY],
    ]),
  );
  root = await mkdtemp(join(tmpdir(), 'mkbundle-race-'));
  child = await buildCacheChild(root);
});
afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

interface RunResult {
  readonly ok: boolean;
  readonly sha256?: string;
  readonly error?: string;
}

/** A child process that does one run of `url` (get, then three reads of the blob) per `run()`. */
function runner(dir: string, url: string) {
  const proc = execa('node', [child, dir, url, '--runs', '3'], { stdin: 'pipe' });
  const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => (await lines.next()).value;
  return {
    ready: next(),
    run: async (): Promise<RunResult> => {
      proc.stdin.write('\n');
      return JSON.parse(await next());
    },
    stop: () => {
      proc.stdin.end();
      return proc;
    },
  };
}

it('a run repairing a damaged blob never takes the good copy another run just stored', async () => {
  const dir = join(root, 'cache');
  const fresh = `${server.url}/a/Core-current.iso`;
  const repaired = `${server.url}/b/Core-current.iso`;
  const blob = join(dir, 'blobs', 'sha256', sha256(BODY));
  await execa('node', [child, dir, repaired]);
  const damaged = Buffer.from(BODY);
  damaged[damaged.length >> 1] = (damaged[damaged.length >> 1] ?? 0) ^ 0xff;

  const a = runner(dir, fresh);
  const b = runner(dir, repaired);
  await Promise.all([a.ready, b.ready]);
  const failures: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    await chmod(blob, 0o644);
    await writeFile(blob, damaged);
    await rm(join(dir, 'index', `${sha256(fresh)}.json`), { force: true });
    const first = a.run();
    await sleep((round % 8) * STEP_MS);
    const results = await Promise.all([first, b.run()]);
    for (const [i, r] of results.entries()) {
      if (!r.ok || r.sha256 !== sha256(BODY)) failures.push(`round ${round} run ${'ab'[i]}: ${r.error ?? r.sha256}`);
    }
  }
  await Promise.all([a.stop(), b.stop()]);

  expect(failures).toEqual([]);
  expect(sha256(await readFile(blob))).toBe(sha256(BODY));
  expect(await readdir(join(dir, 'tmp'))).toEqual([]);
});
