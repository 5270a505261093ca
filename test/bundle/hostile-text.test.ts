/**
 * Content that would drive the user's terminal (an OSC title change, a
 * screen clear, CR and forged text, bidi overrides, C1 controls) in every
 * kind of file and answer mkbundle quotes: the error is still one line
 * naming the file or URL, with the content quoted and escaped, on stderr
 * and in --json.
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseRunJson } from '../helpers/json-schema.js';
import { expectTerminalSafe } from '../helpers/terminal.js';
import { tar } from '../world/gems-tar.js';
import { GEM_PREFIX, startWorld, type World } from '../world/index.js';
import { type CliRun, runCli } from './harness.js';

/** Sets the terminal's title, clears the screen, overwrites the line, reverses what follows. */
const HOSTILE = '\x1b]0;pwned\x07\x1b[2J\rforged \u202eevil\u2069 \u009b31m';
/** How quoted() shows HOSTILE (between its quotes). */
const SHOWN = '\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{d}forged \\u{202e}evil\\u{2069} \\u{9b}31m';

let dir: string;
let world: World;
let bundle: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-hostile-'));
  world = await startWorld(join(dir, 'world'));
  const run = await build([], lists(), join(dir, 'good'));
  expect(run.code, run.stderr).toBe(0);
  bundle = join(dir, 'good', 'razor-microkernel-bundle-prod.tar.gz');
});
afterAll(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => world.server.clearFaults());

const lists = () => ['-b', world.builtinList, '-m', world.mirrorList];

async function build(extra: readonly string[], listFlags = lists(), out = join(dir, 'out')): Promise<CliRun> {
  return runCli([...listFlags, ...world.flags, '--out', out, '-p', '--json', ...extra], {
    XDG_CACHE_HOME: await mkdtemp(join(dir, 'cache-')),
  });
}

/** Serves `body` at `path` for one test, then what the server had there before. */
async function withRoute<T>(path: string, body: string | Buffer, run: () => Promise<T>): Promise<T> {
  const answer = await fetch(`${world.server.url}${path}`);
  const before = answer.ok ? Buffer.from(await answer.arrayBuffer()) : undefined;
  world.server.setRoute(path, Buffer.from(body));
  try {
    return await run();
  } finally {
    if (before === undefined) world.server.deleteRoute(path);
    else world.server.setRoute(path, before);
  }
}

/** The world's flags without one option and its value. */
const flagsWithout = (option: string) =>
  world.flags.filter((flag, i) => flag !== option && world.flags[i - 1] !== option);

/** One safe error line on stderr, the same error in the --json answer; the line is returned. */
function expectSafeFailure(run: CliRun, code: number): string {
  expectTerminalSafe(run.stderr);
  expectTerminalSafe(run.stdout);
  expect(run.code).toBe(code);
  const lines = run.stderr.split('\n').filter((l) => l.startsWith('mkbundle:'));
  expect(lines).toHaveLength(1);
  const json = parseRunJson(run.stdout);
  expect(json.ok).toBe(false);
  const [line = ''] = lines;
  expect(line.endsWith(`: ${json.error.message}`)).toBe(true);
  return line;
}

describe('the bundle stage quotes what files and servers say', () => {
  it('a hostile .dep line', async () => {
    const run = await withRoute(`${world.tinycore.tczPath}/bash.tcz.dep`, `gcc_libs.tcz\n${HOSTILE}\n`, () =>
      build([]),
    );
    const line = expectSafeFailure(run, 2);
    expect(line).toMatch(/^mkbundle: bash\.tcz\.dep:2: bad dependency '/);
    expect(line).toContain(SHOWN.replace('\\u{d}', '').replaceAll(' ', ''));
  });

  it('a hostile .md5.txt, and a 1 MB line in one', async () => {
    const md5 = `${world.tinycore.tczPath}/bash.tcz.md5.txt`;
    const run = await withRoute(md5, `${HOSTILE}\n`, () => build([]));
    expect(expectSafeFailure(run, 4)).toBe(
      `mkbundle: ${world.urls.mirror}/bash.tcz.md5.txt: not an md5sum line: '${SHOWN}'`,
    );
    const long = await withRoute(md5, `${'\u202e'.repeat(1_000_000)}\n`, () => build([]));
    const line = expectSafeFailure(long, 4);
    expect(line).toBe(
      `mkbundle: ${world.urls.mirror}/bash.tcz.md5.txt: not an md5sum line: '${'\\u{202e}'.repeat(15)}'…`,
    );
  });

  it('a hostile extension list line', async () => {
    const list = join(dir, 'hostile.lst');
    await writeFile(list, `bash.tcz\n${HOSTILE}.tcz\n`);
    const run = await build([], ['-b', list, '-m', world.mirrorList]);
    const line = expectSafeFailure(run, 2);
    expect(line).toBe(`mkbundle: ${list}:2: bad extension name '${SHOWN}.tcz' (contains whitespace)`);
  });

  it('a hostile bundle.cfg value, and a URL with control characters in it', async () => {
    // bundle.cfg lines end at a CR, so the value holds none.
    const [value, shown] = [HOSTILE.replace('\r', ''), SHOWN.replace('\\u{d}', '')];
    const cfg = join(dir, 'hostile.cfg');
    await writeFile(cfg, `MK_BUNDLE_TYPE='${value}'\n`);
    const type = await runCli(['-c', cfg, ...lists(), ...world.flags, '--dry-run', '--json']);
    expect(expectSafeFailure(type, 1)).toBe(
      `mkbundle: error: ${cfg}:1: MK_BUNDLE_TYPE: expected dev, prod or debug, got '${shown}'`,
    );
    await writeFile(cfg, `MK_BUNDLE_RUBY_GEMS_URL='${world.server.url}/${value}.tgz'\n`);
    const url = await runCli(['-c', cfg, ...lists(), ...flagsWithout('--rubygems-url'), '--dry-run', '--json']);
    expect(expectSafeFailure(url, 1)).toBe(
      `mkbundle: error: ${cfg}:1: MK_BUNDLE_RUBY_GEMS_URL: not a URL (unprintable characters): '${world.server.url}/${shown}.tgz'`,
    );
  });

  it('a hostile compact index answer', async () => {
    const path = `${GEM_PREFIX}/info/daemons`;
    const run = await withRoute(path, `---\n1.1.9${HOSTILE}\n`, () => build([]));
    // The version is the line's first word.
    expect(expectSafeFailure(run, 2)).toBe(
      `mkbundle: ${world.urls.gemSource}/info/daemons line 2: malformed version '1.1.9\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{d}forged': '1.1.9${SHOWN}'`,
    );
  });

  it('a hostile gem.list line', async () => {
    const source = join(dir, 'gem-list-source');
    await cp(world.source, source, { recursive: true });
    const gemList = join(source, 'opt/gems/gem.list');
    await writeFile(gemList, `facter\n${HOSTILE}\n`);
    const run = await runCli(
      [
        '-b',
        world.builtinList,
        '-m',
        world.mirrorList,
        ...world.flagsFor(source),
        '--out',
        join(dir, 'out'),
        '-p',
        '--json',
      ],
      { XDG_CACHE_HOME: await mkdtemp(join(dir, 'cache-')) },
    );
    // The name is the line's first word: it ends at the CR.
    expect(expectSafeFailure(run, 2)).toBe(
      `mkbundle: ${gemList}:2: '\\u{1b}]0;pwned\\u{7}\\u{1b}[2J' is not a gem name`,
    );
  });

  it('a hostile Debian Packages index', async () => {
    const list = join(dir, 'deb.lst');
    await writeFile(list, 'bash.tcz\nlshw.deb\n');
    const path = new URL(world.urls.dpkgList).pathname;
    const index = gzipSync(`Package: lshw\n${HOSTILE}\n`);
    const run = await withRoute(path, index, () => build([], ['-b', list, '-m', world.mirrorList]));
    const line = expectSafeFailure(run, 2);
    expect(line).toBe(`mkbundle: ${world.urls.dpkgList}: line 2: not a 'Field: value' line: '${SHOWN}'`);
  });

  it('a hostile HTTP reason phrase', async () => {
    // A reason phrase is bytes, which Node reads as latin1: U+202E's UTF-8 arrives as â, U+0080, ®.
    const reason = '\x1b]0;pwned\x07\x1b[2J forged \x9b31m \xe2\x80\xae';
    world.server.fault(`${world.tinycore.tczPath}/ruby.tcz`, { kind: 'reason', status: 404, reason });
    const run = await build([]);
    expect(expectSafeFailure(run, 3)).toBe(
      `mkbundle: GET ${world.urls.mirror}/ruby.tcz: 404 '\\u{1b}]0;pwned\\u{7}\\u{1b}[2J forged \\u{9b}31m â\\u{80}®'`,
    );
  });
});

describe('the ISO stage quotes what the bundle says', () => {
  async function unpacked(name: string): Promise<string> {
    const at = join(dir, name);
    await rm(at, { recursive: true, force: true });
    execFileSync('mkdir', ['-p', at]);
    execFileSync('tar', ['-xzf', bundle, '-C', at]);
    return at;
  }

  it('a hostile dependency in bundle.json', async () => {
    const at = await unpacked('hostile-json');
    const file = join(at, 'bundle.json');
    const manifest = JSON.parse(await readFile(file, 'utf8')) as { dependencies: string[] };
    manifest.dependencies.push(`dependencies/${HOSTILE}.tar.gz`);
    await writeFile(file, JSON.stringify(manifest));
    const run = await runCli(['iso', at, '1.0', '--out', join(dir, 'iso'), '--json']);
    const line = expectSafeFailure(run, 2);
    expect(line).toBe(`mkbundle: ${at}: bundle.json: bad dependency 'dependencies/${SHOWN}.tar.gz'`);
  });

  it('a hostile entry name in an overlay tarball', async () => {
    const at = await unpacked('hostile-overlay');
    const name = Buffer.from(`usr/${HOSTILE}/../../../x`);
    await writeFile(
      join(at, 'dependencies/razor-microkernel-overlay.tar.gz'),
      gzipSync(tar([{ path: name, data: Buffer.alloc(0), mode: 0o644 }], 0)),
    );
    // An edited bundle: past the hash check, to the archive reader.
    const run = await runCli(['iso', at, '1.0', '--out', join(dir, 'iso'), '--json', '--no-verify']);
    const line = expectSafeFailure(run, 5);
    expect(line).toBe(
      `mkbundle: dependencies/razor-microkernel-overlay.tar.gz: 'usr/${SHOWN}/../../../x': entry escapes the destination`,
    );
  });
});
