import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { COMMANDS } from '../../src/cli/main.js';
import { diff } from '../../src/diff/index.js';
import { inspect } from '../../src/inspect/index.js';
import { verify } from '../../src/verify/index.js';
import { toolVersion } from '../../src/version.js';
import { runCli } from '../bundle/harness.js';
import { parseRunJson } from '../helpers/json-schema.js';

// The libraries behind inspect, verify and diff are another part's: here only what the commands make of their reports.
vi.mock('../../src/inspect/index.js', () => ({
  DEFAULT_DEPTH: 2,
  inspect: vi.fn(async () => ({ kind: 'bundle' })),
  formatInspect: (report: { kind: string }) => `a ${report.kind}\n`,
}));
vi.mock('../../src/verify/index.js', () => ({
  verify: vi.fn(),
  formatVerify: (report: { problems: string[] }) => report.problems.map((p) => `${p}\n`).join(''),
}));
vi.mock('../../src/diff/index.js', () => ({
  diff: vi.fn(),
  formatDiff: (report: { same: boolean }) => (report.same ? '' : '+ a\n'),
}));

let dir: string;
let list: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-commands-'));
  list = join(dir, 'list.lst');
  await writeFile(list, 'bash.tcz\n');
  await mkdir(join(dir, 'a-directory'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));
beforeEach(() => vi.clearAllMocks());

/** A usage mistake is exactly two lines: what is wrong, and where the help is. */
function usageError(stderr: string, help: string): string {
  const lines = stderr.split('\n');
  expect(lines).toHaveLength(3);
  expect(lines[1]).toBe(`see '${help}'`);
  expect(lines[2]).toBe('');
  expect(lines[0]).toMatch(/^mkbundle: error: /);
  return lines[0] ?? '';
}

describe('--version, -V and version', () => {
  const cases = [['--version'], ['-V'], ['version'], ['iso', '-V'], ['inspect', '--version'], ['-p', '-V']];
  for (const argv of cases) {
    it(`mkbundle ${argv.join(' ')}`, async () => {
      expect(await runCli(argv)).toEqual({ code: 0, stdout: `mkbundle ${toolVersion()}\n`, stderr: '' });
    });
  }
});

describe('help', () => {
  it('mkbundle --help, -h, help and bundle --help are the same page, with the commands', async () => {
    const pages = await Promise.all([['--help'], ['-h'], ['help'], ['bundle', '--help']].map((a) => runCli(a)));
    for (const page of pages) expect(page).toEqual({ code: 0, stdout: pages[0]?.stdout, stderr: '' });
    expect(pages[0]?.stdout).toMatch(/^Usage: mkbundle \[bundle\] -b FILE -m FILE \[OPTIONS\]\n/);
    expect(pages[0]?.stdout).toContain('\nCommands:\n');
  });

  for (const { spec } of COMMANDS) {
    it(`mkbundle help ${spec.name} is mkbundle ${spec.name} --help`, async () => {
      const help = await runCli(['help', spec.name]);
      expect(help.code).toBe(0);
      expect(help.stdout).toBe((await runCli([spec.name, '--help'])).stdout);
      expect(help.stdout.startsWith(`Usage: ${spec.program}`)).toBe(true);
    });
  }

  it('help wins over a mistake in the same command line', async () => {
    expect((await runCli(['iso', '--frobnicate', '--help'])).code).toBe(0);
  });
});

describe('a usage mistake: one line, where the help is, exit 1', () => {
  const cases: [string, string[], string, string][] = [
    ['a misspelt option', ['--ouput', 'x'], "unknown option '--ouput' (did you mean '--out'?)", 'bundle'],
    ['a misspelt iso option', ['iso', 'b', '--ouput', 'x'], "unknown option '--ouput' (did you mean '--out'?)", 'iso'],
    ['a misspelt command', ['isoo', 'b.tar.gz'], "unknown command 'isoo' (did you mean 'iso'?)", 'bundle'],
    ['help for a misspelt command', ['help', 'dif'], "unknown command 'dif' (did you mean 'diff'?)", ''],
    [
      'a command after a bundle option',
      ['-p', 'iso', 'b.tar.gz', '1.0'],
      "'iso' is a command: it comes first, as in mkbundle iso BUNDLE [VERSION] [OPTIONS]",
      'bundle',
    ],
    ['no lists', [], "the 'builtin-list' and 'mirror-list' must both be specified (-b FILE -m FILE)", 'bundle'],
    ['an option without its value', ['--dpkg-list'], "option '--dpkg-list' needs a value", 'bundle'],
    ['inspect without a file', ['inspect'], 'expected one FILE, got 0 arguments', 'inspect'],
    [
      'inspect with a bad depth',
      ['inspect', 'x', '--depth', '-1'],
      '--depth: expected a whole number, 0 or more',
      'inspect',
    ],
    ['verify with two files', ['verify', 'a', 'b'], 'expected one ISO or bundle, got 2 arguments', 'verify'],
    ['completion with an argument', ['completion', 'zsh'], "unexpected argument 'zsh'", 'completion'],
    ['version with an argument', ['version', '2'], "unexpected argument '2'", 'version'],
  ];
  for (const [what, argv, message, command] of cases) {
    it(what, async () => {
      const run = await runCli(argv);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      const help = command === '' ? 'mkbundle --help' : `mkbundle ${command} --help`;
      expect(usageError(run.stderr, help)).toBe(`mkbundle: error: ${message}`);
    });
  }

  it('a list that is a directory is the same mistake as a list that is missing', async () => {
    const directory = await runCli(['-b', join(dir, 'a-directory'), '-m', list]);
    const missing = await runCli(['-b', join(dir, 'missing.lst'), '-m', list]);
    expect([directory.code, missing.code]).toEqual([1, 1]);
    expect(usageError(directory.stderr, 'mkbundle bundle --help')).toBe(
      `mkbundle: error: the 'builtin-list' value must be a readable file: '${join(dir, 'a-directory')}' is a directory`,
    );
    expect(usageError(missing.stderr, 'mkbundle bundle --help')).toBe(
      `mkbundle: error: the 'builtin-list' value must be a readable file: '${join(dir, 'missing.lst')}' is missing or unreadable`,
    );
  });

  it('VERSION and BUNDLE the other way round', async () => {
    const run = await runCli(['iso', '0.9.0.1', list]);
    expect(run.code).toBe(1);
    expect(usageError(run.stderr, 'mkbundle iso --help')).toBe(
      `mkbundle: error: '0.9.0.1' is not a bundle: did you mean mkbundle iso '${list}' '0.9.0.1'?`,
    );
  });
});

describe('mkbundle iso with what is not a bundle', () => {
  it('a list file is not a mkbundle bundle, exit 2', async () => {
    const run = await runCli(['iso', list, '1.0']);
    expect(run.code).toBe(2);
    expect(run.stderr.trimEnd().split('\n').at(-1)).toBe(
      `mkbundle: ${list}: not a mkbundle bundle (neither a gzip stream nor a tar archive)`,
    );
  });

  it('an empty file neither', async () => {
    const empty = join(dir, 'empty.tar.gz');
    await writeFile(empty, '');
    const run = await runCli(['iso', empty]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`mkbundle: ${empty}: not a mkbundle bundle`);
  });
});

describe('inspect, verify and diff report what their libraries found', () => {
  it('inspect prints the report, or its JSON, and passes --depth', async () => {
    expect(await runCli(['inspect', 'b.tar.gz'])).toEqual({ code: 0, stdout: 'a bundle\n', stderr: '' });
    expect(vi.mocked(inspect)).toHaveBeenLastCalledWith('b.tar.gz', {});
    const json = await runCli(['inspect', 'b.tar.gz', '--depth', '2', '--json']);
    expect(parseRunJson(json.stdout)).toMatchObject({ ok: true, command: 'inspect', inspect: { kind: 'bundle' } });
    expect(vi.mocked(inspect)).toHaveBeenLastCalledWith('b.tar.gz', { depth: 2 });
  });

  it('verify: exit 0 without problems, 4 with them, one line each', async () => {
    const checked = { extensions: 3, deps: 2, manifestEntries: 40, elfFiles: 5 };
    vi.mocked(verify).mockResolvedValueOnce({ ok: true, kind: 'iso', problems: [], checked });
    expect(await runCli(['verify', 'x.iso'])).toEqual({ code: 0, stdout: '', stderr: '' });
    const problems = ['bash.tcz: md5 mismatch', 'ruby.tcz.dep: not readable'];
    vi.mocked(verify).mockResolvedValue({ ok: false, kind: 'iso', problems, checked });
    expect(await runCli(['verify', 'x.iso'])).toEqual({ code: 4, stdout: `${problems.join('\n')}\n`, stderr: '' });
    const json = await runCli(['--json', 'verify', 'x.iso']);
    expect(json.code).toBe(4);
    expect(parseRunJson(json.stdout)).toMatchObject({
      ok: false,
      exitCode: 4,
      command: 'verify',
      error: { code: 'integrity', message: '2 problems found' },
      verify: { ok: false, kind: 'iso', problems, checked },
    });
  });

  it('diff: exit 0 when the same, 1 when they differ, 2 for a usage mistake', async () => {
    vi.mocked(diff).mockResolvedValueOnce({ same: true, added: [], removed: [], changed: [] });
    expect(await runCli(['diff', 'a', 'b'])).toEqual({ code: 0, stdout: '', stderr: '' });
    vi.mocked(diff).mockResolvedValueOnce({
      same: false,
      added: [{ path: 'a', type: 'file', size: 1 }],
      removed: [],
      changed: [],
    });
    expect(await runCli(['diff', 'a', 'b'])).toEqual({ code: 1, stdout: '+ a\n', stderr: '' });
    expect(vi.mocked(diff)).toHaveBeenLastCalledWith('a', 'b');
    const usage = await runCli(['diff', 'a']);
    expect(usage.code).toBe(2);
    expect(usageError(usage.stderr, 'mkbundle diff --help')).toBe(
      'mkbundle: error: expected two files, A and B, got 1',
    );
    expect((await runCli(['diff', 'a', 'b', '--ouput'])).code).toBe(2);
  });
});
