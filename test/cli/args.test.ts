import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleInvocation } from '../../src/cli/args.js';
import { type IsoProgram, isoCommand, isoInvocation } from '../../src/cli/iso-args.js';
import { COMMANDS } from '../../src/cli/main.js';
import { checkOptions, parseOptions } from '../../src/cli/parse.js';
import { chooseCommand } from '../../src/cli/program.js';
import { UsageError } from '../../src/errors.js';

const SPECS = COMMANDS.map((c) => c.spec);

/** What main does before it runs a command: pick it, parse, check the options. */
async function chosen(argv: string[]) {
  const found = await chooseCommand(argv, COMMANDS, () => {});
  checkOptions(found.parsed, found.command.spec, argv);
  return found;
}

async function bundleArgs(argv: string[]) {
  const found = await chosen(argv);
  expect(found.command.spec.name).toBe('bundle');
  return bundleInvocation(found.parsed, found.words, SPECS);
}

const mkbundleIso = { name: 'mkbundle iso' } as const;
const rebuildIso = { name: 'rebuild-iso', bundleDir: '/b' } as const;

async function isoArgs(program: IsoProgram, argv: string[]) {
  if (program.name === 'rebuild-iso') {
    const parsed = await parseOptions(argv, isoCommand(program));
    checkOptions(parsed, isoCommand(program), argv);
    return isoInvocation(program, parsed, parsed._.map(String));
  }
  const found = await chosen(['iso', ...argv]);
  return isoInvocation(program, found.parsed, found.words);
}

describe('the bundle command', () => {
  it('is the default, and is also run by its name', async () => {
    expect((await bundleArgs(['-b', 'b.lst', '-m', 'm.lst', '-p'])).args).toEqual({
      builtinList: 'b.lst',
      mirrorList: 'm.lst',
      buildProdImage: true,
    });
    expect((await bundleArgs(['bundle', '-p'])).args).toEqual({ buildProdImage: true });
  });

  it('takes --dpkg-list again and again, in order', async () => {
    const { args } = await bundleArgs(['--dpkg-list', 'http://a/P.gz', '-p', '--dpkg-list=http://b/P.gz']);
    expect(args.dpkgList).toEqual(['http://a/P.gz', 'http://b/P.gz']);
    expect(args.buildProdImage).toBe(true);
  });

  it('keeps the last of any other flag given twice', async () => {
    const invocation = await bundleArgs(['-b', 'one', '-b', 'two', '--jobs', '2', '--jobs', '3', '-c', 'a', '-c', 'b']);
    expect(invocation.args).toMatchObject({ builtinList: 'two', jobs: 3 });
    expect(invocation.configFile).toBe('b');
    expect((await bundleArgs(['--no-deps', '--deps'])).args.deps).toBe(true);
    expect((await bundleArgs(['--no-deps'])).args.deps).toBe(false);
  });

  it('reads --era, --open-vm-tools-url and --deb-mirror', async () => {
    const { args } = await bundleArgs([
      '--era',
      '2012',
      '--open-vm-tools-url',
      'http://o/mk-open-vm-tools.tar.gz',
      '--deb-mirror',
      'http://d/debian',
    ]);
    expect(args).toEqual({
      era: '2012',
      openVmToolsUrl: 'http://o/mk-open-vm-tools.tar.gz',
      debMirror: 'http://d/debian',
    });
  });

  it('reads the download size limits as text (options.ts parses them), the last one counting', async () => {
    const { args } = await bundleArgs([
      '--max-metadata-size',
      '1M',
      '--max-index-size=64M',
      '--max-payload-size',
      '1G',
      '--max-payload-size',
      '2G',
    ]);
    expect(args).toEqual({ maxMetadataSize: '1M', maxIndexSize: '64M', maxPayloadSize: '2G' });
    await expect(bundleArgs(['--max-index-size', ''])).rejects.toThrow("option '--max-index-size' needs a value");
  });

  it('keeps an empty -t for the options to refuse, with their own message', async () => {
    expect((await bundleArgs(['-t', ''])).args).toEqual({ tcPasswd: '' });
  });

  it('refuses an empty --dpkg-list or -c, and a --dpkg-list without a value', async () => {
    await expect(bundleArgs(['--dpkg-list', ''])).rejects.toThrow("option '--dpkg-list' needs a value");
    await expect(bundleArgs(['-c', ''])).rejects.toThrow("option '--config' needs a value");
    await expect(bundleArgs(['--dpkg-list'])).rejects.toThrow("option '--dpkg-list' needs a value");
  });

  it('refuses a stray word, naming a command given after bundle options or the one a word misspells', async () => {
    await expect(bundleArgs(['--dpkg-list', 'http://a/P.gz', 'stray'])).rejects.toThrow(
      new UsageError("unexpected argument 'stray'"),
    );
    await expect(bundleArgs(['-p', 'iso', 'b.tar.gz', '1.0'])).rejects.toThrow(
      new UsageError("'iso' is a command: it comes first, as in mkbundle iso BUNDLE [VERSION] [OPTIONS]"),
    );
    await expect(bundleArgs(['isoo', 'b.tar.gz'])).rejects.toThrow(
      new UsageError("unknown command 'isoo' (did you mean 'iso'?)"),
    );
    await expect(bundleArgs(['--jobs', '1.5'])).rejects.toThrow(new UsageError('--jobs: expected a whole number'));
  });

  it('names an unknown option as it was typed, with the nearest one', async () => {
    await expect(bundleArgs(['--ouput', 'x'])).rejects.toThrow(
      new UsageError("unknown option '--ouput' (did you mean '--out'?)"),
    );
    await expect(bundleArgs(['--no-dep'])).rejects.toThrow(
      new UsageError("unknown option '--no-dep' (did you mean '--no-deps'?)"),
    );
    await expect(bundleArgs(['--builtin-lsit=x'])).rejects.toThrow(
      new UsageError("unknown option '--builtin-lsit' (did you mean '--builtin-list'?)"),
    );
    await expect(bundleArgs(['--frobnicate'])).rejects.toThrow(new UsageError("unknown option '--frobnicate'"));
    await expect(bundleArgs(['-pz'])).rejects.toThrow(new UsageError("unknown option '-z'"));
    // An iso option is not a bundle option.
    await expect(bundleArgs(['--compress', 'gzip'])).rejects.toThrow("unknown option '--compress'");
  });
});

describe('the iso command', () => {
  it('takes VERSION or leaves it to the bundle', async () => {
    expect(await isoArgs(mkbundleIso, ['b.tar.gz', '1.0'])).toMatchObject({ bundle: 'b.tar.gz', version: '1.0' });
    expect(await isoArgs(mkbundleIso, ['b.tar.gz'])).toMatchObject({ bundle: 'b.tar.gz', version: undefined });
    expect(await isoArgs(rebuildIso, ['1.0'])).toMatchObject({ bundle: '/b', version: '1.0' });
    expect(await isoArgs(rebuildIso, ['--no-recompress'])).toMatchObject({
      bundle: '/b',
      version: undefined,
      compress: 'gzip',
    });
  });

  it('keeps a VERSION that looks like a number as it was written', async () => {
    expect((await isoArgs(mkbundleIso, ['b.tar.gz', '1.10'])).version).toBe('1.10');
    expect((await isoArgs(rebuildIso, ['2.0'])).version).toBe('2.0');
  });

  it('is found after the options every command has', async () => {
    const found = await chosen(['--json', '-v', 'iso', 'b.tar.gz', '--out', 'o']);
    expect(found.command.spec.name).toBe('iso');
    expect(isoInvocation(mkbundleIso, found.parsed, found.words)).toMatchObject({
      bundle: 'b.tar.gz',
      out: 'o',
      json: true,
      verbose: true,
    });
  });

  it('verifies the bundle unless --no-verify', async () => {
    expect(await isoArgs(mkbundleIso, ['b.tar.gz'])).toMatchObject({ verify: true });
    expect(await isoArgs(rebuildIso, ['--no-verify'])).toMatchObject({ verify: false });
  });

  it('takes --compress libdeflate|advdef|gzip, leaving the default (and its fallback) to the stage', async () => {
    expect((await isoArgs(mkbundleIso, ['b'])).compress).toBeUndefined();
    expect((await isoArgs(mkbundleIso, ['b', '--recompress'])).compress).toBeUndefined();
    for (const encoder of ['libdeflate', 'max', 'advdef', 'gzip']) {
      expect((await isoArgs(mkbundleIso, ['b', '--compress', encoder])).compress).toBe(encoder);
      expect((await isoArgs(rebuildIso, [`--compress=${encoder}`])).compress).toBe(encoder);
    }
    expect((await isoArgs(mkbundleIso, ['b', '--compress', 'advdef', '--compress', 'gzip'])).compress).toBe('gzip');
    expect((await isoArgs(mkbundleIso, ['b', '--no-recompress', '--compress', 'gzip'])).compress).toBe('gzip');
  });

  it('refuses an unknown encoder and --no-recompress with another one', async () => {
    await expect(isoArgs(mkbundleIso, ['b', '--compress', 'xz'])).rejects.toThrow(
      /^option '--compress' must be libdeflate, max, advdef, gzip, got "xz"$/,
    );
    await expect(isoArgs(mkbundleIso, ['b', '--compress'])).rejects.toThrow(/must be .*, got ""$/);
    await expect(isoArgs(mkbundleIso, ['b', '--no-recompress', '--compress', 'libdeflate'])).rejects.toThrow(
      '--no-recompress (gzip) contradicts --compress libdeflate',
    );
  });

  it('refuses too few or too many arguments, an empty --out and a bundle option', async () => {
    await expect(isoArgs(mkbundleIso, [])).rejects.toThrow('expected a bundle and at most a VERSION, got 0 arguments');
    await expect(isoArgs(mkbundleIso, ['b', '1', '2'])).rejects.toThrow(
      'expected a bundle and at most a VERSION, got 3 arguments',
    );
    await expect(isoArgs(rebuildIso, ['1', '2'])).rejects.toThrow('expected at most a VERSION, got 2 arguments');
    await expect(isoArgs(mkbundleIso, ['b', '--out', ''])).rejects.toThrow("option '--out' needs a value");
    await expect(isoArgs(rebuildIso, ['--ouput', 'x'])).rejects.toThrow(
      new UsageError("unknown option '--ouput' (did you mean '--out'?)"),
    );
    await expect(isoArgs(mkbundleIso, ['b', '-p'])).rejects.toThrow(new UsageError("unknown option '-p'"));
  });

  describe('a VERSION and a BUNDLE the other way round', () => {
    let dir: string;
    let bundle: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'mk-iso-args-'));
      bundle = join(dir, 'razor-microkernel-bundle-prod.tar.gz');
      await writeFile(bundle, '');
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('is a usage error that shows them the right way round', async () => {
      await expect(isoArgs(mkbundleIso, ['0.9.0.1', bundle])).rejects.toThrow(
        new UsageError(`'0.9.0.1' is not a bundle: did you mean mkbundle iso '${bundle}' '0.9.0.1'?`),
      );
    });

    it('is not suspected when the first exists, or does not look like a version', async () => {
      expect(await isoArgs(mkbundleIso, [bundle, '0.9.0.1'])).toMatchObject({ bundle, version: '0.9.0.1' });
      expect(await isoArgs(mkbundleIso, ['missing.tar.gz', bundle])).toMatchObject({ bundle: 'missing.tar.gz' });
    });
  });
});
