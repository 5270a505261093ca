/**
 * `mkbundle cache`: the commands over a cache a real bundle run filled from
 * the loopback world, through the CLI as a user types them.
 */
import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../bundle/harness.js';
import { parseRunJson } from '../helpers/json-schema.js';
import { startWorld, type World } from '../world/index.js';

let dir: string;
let world: World;
let env: NodeJS.ProcessEnv;
const cache = () => join(dir, 'cache', 'mkbundle');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-cache-cmd-'));
  world = await startWorld(join(dir, 'world'));
  env = { XDG_CACHE_HOME: join(dir, 'cache') };
  const run = await runCli(
    ['-b', world.builtinList, '-m', world.mirrorList, '-p', ...world.flags, '--out', join(dir, 'out'), '-q'],
    env,
  );
  expect(run.code).toBe(0);
});
afterAll(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

describe('mkbundle cache', () => {
  it('path prints the directory the bundle stage uses', async () => {
    expect(await runCli(['cache', 'path'], env)).toEqual({ code: 0, stdout: `${cache()}\n`, stderr: '' });
    const moved = await runCli(['cache', 'path', '--cache-dir', join(dir, 'elsewhere')], env);
    expect(moved.stdout).toBe(`${join(dir, 'elsewhere')}\n`);
  });

  it('ls names every URL the run fetched, as text and as a run document', async () => {
    const text = await runCli(['cache', 'ls'], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`${world.tinycore.urls(world.server.url).mirror}/ruby.tcz`);
    const json = parseRunJson((await runCli(['cache', 'ls', '--json'], env)).stdout) as {
      cache: { entries: { url: string; size: number | null }[] };
    };
    const urls = json.cache.entries.map((e) => e.url);
    expect(urls).toContain(world.urls.iso);
    expect(json.cache.entries.length).toBeGreaterThan(20);
  });

  it('verify removes a damaged blob, and the next build fetches it again', async () => {
    const blobs = join(cache(), 'blobs', 'sha256');
    const [victim] = await readdir(blobs);
    if (victim === undefined) throw new Error('no blob in the cache');
    await chmod(join(blobs, victim), 0o644);
    await writeFile(join(blobs, victim), 'damaged');
    const json = parseRunJson((await runCli(['cache', 'verify', '--json'], env)).stdout) as {
      cache: { damagedBlobs: { sha256: string }[] };
    };
    expect(json.cache.damagedBlobs.map((b) => b.sha256)).toEqual([victim]);
    expect(await readdir(blobs)).not.toContain(victim);
  });

  it('prune keeps what a live build may use (this process built into the cache), and says so', async () => {
    const run = await runCli(['cache', 'prune', '--max-size', '1', '--json'], env);
    expect(run.code).toBe(0);
    const { cache: report } = parseRunJson(run.stdout) as {
      cache: { removedBlobs: unknown[]; inUse: { blobs: number }; activeRuns: number; overMaxBytes: boolean };
    };
    expect(report).toMatchObject({ removedBlobs: [], activeRuns: 1, overMaxBytes: true });
    expect((await readdir(join(cache(), 'blobs', 'sha256'))).length).toBe(report.inUse.blobs);
    expect((await runCli(['cache', 'prune', '--max-size', '1'], env)).stdout).toMatch(/running builds/);
  });

  it('refuses a mistake in one line with where the help is', async () => {
    const cases: [string[], string][] = [
      [['cache'], 'mkbundle: error: expected what to do: ls, verify, prune, path'],
      [
        ['cache', 'lss'],
        "mkbundle: error: unknown cache action 'lss' (did you mean 'ls'?): expected ls, verify, prune, path",
      ],
      [['cache', 'ls', '--older-than', '1d'], 'mkbundle: error: --older-than and --max-size are for cache prune'],
      [
        ['cache', 'prune', '--older-than', '30'],
        "mkbundle: error: --older-than: expected a duration like 30d, 12h or 90m (units s, m, h, d, w), got '30'",
      ],
      [['cache', 'prune', '--max-size', 'lots'], 'mkbundle: error: --max-size: '],
    ];
    for (const [args, line] of cases) {
      const run = await runCli(args, env);
      expect(run.code, args.join(' ')).toBe(1);
      const [first, second] = run.stderr.split('\n');
      expect(first?.startsWith(line), first).toBe(true);
      expect(second).toBe("see 'mkbundle cache --help'");
    }
  });
});
