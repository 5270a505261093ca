import { describe, expect, it } from 'vitest';
import { bundleUsage, parseArgv } from '../../src/cli/args.js';
import { isoUsage, parseIsoArgv } from '../../src/cli/iso-args.js';
import { UsageError } from '../../src/errors.js';

async function bundleArgs(argv: string[]) {
  const invocation = await parseArgv(argv);
  if (invocation.command !== 'bundle') throw new Error('expected a bundle invocation');
  return invocation;
}

describe('parseArgv', () => {
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
    await expect(parseArgv(['--max-index-size', ''])).rejects.toThrow("option '--max-index-size' needs a value");
    const usage = await bundleUsage();
    for (const flag of ['--max-metadata-size', '--max-index-size', '--max-payload-size']) expect(usage).toContain(flag);
  });

  it('refuses an empty --dpkg-list, a stray argument after it, and a --dpkg-list without a value', async () => {
    await expect(parseArgv(['--dpkg-list', ''])).rejects.toThrow("option '--dpkg-list' needs a value");
    await expect(parseArgv(['--dpkg-list', 'http://a/P.gz', 'stray'])).rejects.toThrow('Unknown argument: stray');
    await expect(parseArgv(['--dpkg-list'])).rejects.toThrow(UsageError);
  });

  it('says in --help how settings rank and shows the new flags', async () => {
    const usage = await bundleUsage();
    for (const flag of ['--dpkg-list', '--open-vm-tools-url', '--era', '--deb-mirror']) expect(usage).toContain(flag);
    expect(usage.replace(/\s+/g, ' ')).toContain(
      'Settings come from the command line, then the -c config file (KEY=VALUE lines: MK_BUNDLE_* and DEB_MIRROR_URL), then the same names in the environment, then defaults',
    );
  });
});

describe('parseIsoArgv', () => {
  const mkbundleIso = { name: 'mkbundle iso' } as const;
  const rebuildIso = { name: 'rebuild-iso', bundleDir: '/b' } as const;
  const isoArgs = async (program: Parameters<typeof parseIsoArgv>[0], argv: string[]) => {
    const invocation = await parseIsoArgv(program, argv);
    if (invocation.command !== 'iso') throw new Error('expected an iso invocation');
    return invocation.args;
  };

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

  it('verifies the bundle unless --no-verify', async () => {
    expect(await isoArgs(mkbundleIso, ['b.tar.gz'])).toMatchObject({ verify: true });
    expect(await isoArgs(rebuildIso, ['--no-verify'])).toMatchObject({ verify: false });
  });

  it('takes --compress libdeflate|advdef|gzip, leaving the default (and its fallback) to the stage', async () => {
    expect((await isoArgs(mkbundleIso, ['b'])).compress).toBeUndefined();
    expect((await isoArgs(mkbundleIso, ['b', '--recompress'])).compress).toBeUndefined();
    for (const encoder of ['libdeflate', 'advdef', 'gzip']) {
      expect((await isoArgs(mkbundleIso, ['b', '--compress', encoder])).compress).toBe(encoder);
      expect((await isoArgs(rebuildIso, [`--compress=${encoder}`])).compress).toBe(encoder);
    }
    expect((await isoArgs(mkbundleIso, ['b', '--compress', 'advdef', '--compress', 'gzip'])).compress).toBe('gzip');
    expect((await isoArgs(mkbundleIso, ['b', '--no-recompress', '--compress', 'gzip'])).compress).toBe('gzip');
  });

  it('refuses an unknown encoder and --no-recompress with another one', async () => {
    await expect(parseIsoArgv(mkbundleIso, ['b', '--compress', 'xz'])).rejects.toThrow(
      /^option '--compress' must be libdeflate, advdef, gzip, got "xz"$/,
    );
    await expect(parseIsoArgv(mkbundleIso, ['b', '--compress'])).rejects.toThrow(/must be .*, got ""$/);
    await expect(parseIsoArgv(mkbundleIso, ['b', '--no-recompress', '--compress', 'libdeflate'])).rejects.toThrow(
      '--no-recompress (gzip) contradicts --compress libdeflate',
    );
  });

  it('refuses too few or too many arguments', async () => {
    await expect(parseIsoArgv(mkbundleIso, [])).rejects.toThrow(
      'expected a bundle and at most a VERSION, got 0 arguments',
    );
    await expect(parseIsoArgv(mkbundleIso, ['b', '1', '2'])).rejects.toThrow(
      'expected a bundle and at most a VERSION, got 3 arguments',
    );
    await expect(parseIsoArgv(rebuildIso, ['1', '2'])).rejects.toThrow('expected at most a VERSION, got 2 arguments');
  });

  it('shows VERSION as optional in the usage', async () => {
    expect(await isoUsage(mkbundleIso)).toContain('Usage: mkbundle iso BUNDLE [VERSION] [OPTIONS]');
    expect(await isoUsage(rebuildIso)).toContain('Usage: rebuild-iso [VERSION] [OPTIONS]');
    expect((await isoUsage(rebuildIso)).replace(/\s+/g, ' ')).toContain(
      'VERSION defaults to the version the bundle recorded',
    );
    expect((await isoUsage(rebuildIso)).replace(/\s+/g, ' ')).toContain(
      '--compress core.gz encoder: libdeflate (level 12, the default), advdef (-z4, slow) or gzip (-9)',
    );
  });
});
