import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/version.js';
import { startWorld, type World } from '../world/index.js';
import { TARBALL_PATHS } from '../world/tarballs.js';

const BIN = join(packageRoot(), 'dist', 'src', 'cli', 'bin.js');
const ESC = '\x1b';
/** Long enough that a download not aborted would finish, and print its line, well within the test's time. */
const SLOW_MS = 8_000;

let dir: string;
let world: World;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-fatal-'));
  world = await startWorld(join(dir, 'world'));
});
afterAll(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => world.server.clearFaults());

interface Ran {
  readonly code: number;
  /** stderr, or everything the terminal got for a pty run. */
  readonly output: string;
  readonly temp: string;
  readonly cache: string;
}

const shellQuote = (word: string): string => `'${word.replaceAll("'", "'\\''")}'`;

/**
 * Runs the real CLI with its own TMPDIR and cache. `pty` runs it on a
 * pseudo-terminal through util-linux `script`, after `stty` (a pty made
 * without a terminal around it is 0×0).
 */
async function runBin(args: readonly string[], env: NodeJS.ProcessEnv, pty?: { readonly stty: string }): Promise<Ran> {
  const run = await mkdtemp(join(dir, 'run-'));
  const temp = join(run, 'tmp');
  const cache = join(run, 'cache');
  await mkdir(temp);
  const command = [process.execPath, BIN, ...args].map(shellQuote).join(' ');
  const [file, argv] = pty
    ? ['script', ['-qfec', `stty ${pty.stty}; exec ${command}`, '/dev/null']]
    : [process.execPath, [BIN, ...args]];
  const child = spawn(file, argv, {
    env: { PATH: process.env.PATH, TMPDIR: temp, XDG_CACHE_HOME: cache, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: Buffer[] = [];
  (pty ? child.stdout : child.stderr).on('data', (chunk: Buffer) => chunks.push(chunk));
  const [code] = (await once(child, 'exit')) as [number];
  return { code, output: Buffer.concat(chunks).toString(), temp, cache: join(cache, 'mkbundle') };
}

const SLOW_PATHS = [TARBALL_PATHS.rubygems, TARBALL_PATHS.mcollective, TARBALL_PATHS.openVmTools];

/** A build whose ruby.tcz is a 404 while the tarballs are still on their way. */
async function failingBuild(env: NodeJS.ProcessEnv, pty?: { readonly stty: string }): Promise<Ran> {
  for (const path of SLOW_PATHS) world.server.fault(path, { kind: 'slow', delayMs: SLOW_MS });
  world.server.fault(`${world.tinycore.tczPath}/ruby.tcz`, { kind: 'status', status: 404 });
  world.server.resetLog();
  const out = join(dir, 'out');
  const run = await runBin(
    ['-b', world.builtinList, '-m', world.mirrorList, ...world.flags, '--out', out, '-p'],
    env,
    pty,
  );
  // The slow downloads were asked for, so they were in flight when the 404 came.
  expect(world.server.count((r) => r.fault === 'slow')).toBe(SLOW_PATHS.length);
  return run;
}

const notFound = () => `mkbundle: GET ${world.urls.mirror}/ruby.tcz: 404 Not Found`;

/** The aborted downloads left nothing behind and said nothing. */
async function expectCleanAbort(run: Ran): Promise<void> {
  for (const path of SLOW_PATHS) expect(run.output).not.toContain(`fetched ${world.server.url}${path}`);
  expect(await readdir(run.temp)).toEqual([]);
  expect(await readdir(join(run.cache, 'tmp'))).toEqual([]);
}

describe('a fatal error during the downloads is the last line', () => {
  it('on a terminal: the live display is closed and nothing follows the error', async () => {
    const run = await failingBuild({ TERM: 'xterm' }, { stty: 'cols 100 rows 30' });
    expect(run.code).toBe(3);
    // It was the live display (cursor codes), and after the error line the terminal got no byte at all.
    expect(run.output).toContain(`${ESC}[J`);
    expect(run.output.endsWith(`\n${notFound()}\r\n`)).toBe(true);
    expect(run.output.split(notFound())).toHaveLength(2);
    // The step it stopped in is marked unfinished, with its time and the downloads' figures.
    expect(run.output).toMatch(/✗ downloads \(\d+\.\d s\): \d+\/\d+ files[^\r\n]*\r\n/);
    await expectCleanAbort(run);
  });

  it('in a pipe: the error is the last line of stderr and no download is reported after it', async () => {
    const run = await failingBuild({});
    expect(run.code).toBe(3);
    const lines = run.output.trimEnd().split('\n');
    expect(lines.at(-1)).toBe(notFound());
    expect(lines.filter((line) => line.startsWith('mkbundle:'))).toHaveLength(1);
    expect(run.output).not.toContain(ESC);
    await expectCleanAbort(run);
  });

  const plainTerminals: [string, NodeJS.ProcessEnv, string][] = [
    ['TERM=dumb', { TERM: 'dumb' }, 'cols 100 rows 30'],
    ['CI set', { TERM: 'xterm', CI: 'true' }, 'cols 100 rows 30'],
    ['CI=false still counts as set', { TERM: 'xterm', CI: 'false' }, 'cols 100 rows 30'],
    ['a terminal of 0 columns', { TERM: 'xterm' }, 'cols 0 rows 0'],
  ];
  for (const [what, env, stty] of plainTerminals) {
    it(`plain lines without a single escape byte on a terminal with ${what}`, async () => {
      const run = await failingBuild(env, { stty });
      expect(run.code).toBe(3);
      expect(run.output).not.toContain(ESC);
      expect(run.output).toContain('==> downloads\r\n');
      expect(run.output.endsWith(`\n${notFound()}\r\n`)).toBe(true);
    });
  }
});

describe('mkbundle iso: the error is the last line', () => {
  let bundle: string;
  beforeAll(async () => {
    // Not a gzip stream nor a tar: the ISO stage fails in its first step, with the live display up.
    bundle = join(dir, 'razor-microkernel-bundle-prod.tar.gz');
    await writeFile(bundle, 'not a bundle\n'.repeat(100));
  });

  it('on a terminal', async () => {
    const run = await runBin(['iso', bundle, '1.0'], { TERM: 'xterm' }, { stty: 'cols 100 rows 30' });
    expect(run.code).toBe(2);
    expect(run.output).toMatch(new RegExp(`${ESC}\\[J✗ bundle \\(\\d+\\.\\d s\\)\r\n`));
    const last = run.output.slice(run.output.lastIndexOf('✗ bundle ('));
    expect(last).toMatch(
      /^✗ bundle \([^)]*\)\r\nmkbundle: [^\r\n]*razor-microkernel-bundle-prod\.tar\.gz: not a mkbundle bundle [^\r\n]*\r\n$/,
    );
  });

  it('in a pipe', async () => {
    const run = await runBin(['iso', bundle, '1.0'], {});
    expect(run.code).toBe(2);
    expect(run.output).not.toContain(ESC);
    const lines = run.output.trimEnd().split('\n');
    expect(lines.at(-2)).toBe('==> bundle');
    expect(lines.at(-1)).toMatch(/^mkbundle: .*razor-microkernel-bundle-prod\.tar\.gz: not a mkbundle bundle/);
  });
});
