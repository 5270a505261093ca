import { describe, expect, it } from 'vitest';
import { DEFAULTS, resolveBundleOptions } from '../../src/config/options.js';
import { UsageError } from '../../src/errors.js';

const lists = { builtinList: 'b.lst', mirrorList: 'm.lst' };

describe('resolveBundleOptions', () => {
  it('builds a dev image with the default password by default', () => {
    const options = resolveBundleOptions(lists, {}, {});
    expect(options.image).toEqual({ flavour: 'dev', tcPassword: 'test1234', passwdHash: 'sha512' });
    expect(options.reusePrevDownloads).toBe(false);
    expect(options.tcVersion).toBe('4.x');
    expect(options.arch).toBe('x86');
    expect(options.jobs).toBe(8);
    expect(options.followDeps).toBe(true);
    expect(options.urls).toEqual({
      mirror: undefined,
      iso: undefined,
      gemSource: DEFAULTS.gemSource,
      rubygems: DEFAULTS.rubygems,
      mcollective: DEFAULTS.mcollective,
      openVmTools: undefined,
    });
  });

  it('requires both lists', () => {
    expect(() => resolveBundleOptions({ builtinList: 'b' }, {}, {})).toThrowError(UsageError);
    expect(() => resolveBundleOptions({ mirrorList: 'm' }, {}, {})).toThrowError(/must both be specified/);
  });

  it('applies the seed rules for -p, -d and -t', () => {
    expect(() => resolveBundleOptions({ ...lists, buildProdImage: true, buildDebugImage: true }, {}, {})).toThrowError(
      /only one of the '-p' and '-d'/,
    );
    expect(() => resolveBundleOptions({ ...lists, buildProdImage: true, tcPasswd: 'x' }, {}, {})).toThrowError(
      /'-t' option may not be used/,
    );
    expect(resolveBundleOptions({ ...lists, buildProdImage: true }, {}, {}).image).toEqual({ flavour: 'prod' });
    expect(resolveBundleOptions({ ...lists, buildDebugImage: true, tcPasswd: 'pw' }, {}, {}).image).toEqual({
      flavour: 'debug',
      tcPassword: 'pw',
      passwdHash: 'sha512',
    });
  });

  it('ranks command line over environment over config file', () => {
    const cfg = { MK_BUNDLE_TYPE: 'debug', MK_BUNDLE_BUILTIN_LIST: 'cfg.lst', MK_BUNDLE_MIRROR_LIST: 'cfg-m.lst' };
    const env = { MK_BUNDLE_BUILTIN_LIST: 'env.lst', MK_BUNDLE_TC_PASSWD: 'envpw' };
    const fromFiles = resolveBundleOptions({}, env, cfg);
    expect(fromFiles.builtinList).toBe('env.lst');
    expect(fromFiles.mirrorList).toBe('cfg-m.lst');
    expect(fromFiles.image).toEqual({ flavour: 'debug', tcPassword: 'envpw', passwdHash: 'sha512' });
    const fromCli = resolveBundleOptions({ builtinList: 'cli.lst', buildProdImage: true }, env, cfg);
    expect(fromCli.builtinList).toBe('cli.lst');
    expect(fromCli.image).toEqual({ flavour: 'prod' });
    expect(fromCli.warnings).toEqual([expect.stringMatching(/MK_BUNDLE_TC_PASSWD is ignored/)]);
  });

  it('reads MK_BUNDLE_RE_USE_PREV_DL and the URL settings', () => {
    const options = resolveBundleOptions(
      lists,
      { MK_BUNDLE_RE_USE_PREV_DL: 'yes', MK_BUNDLE_TCL_MIRROR_URI: 'http://127.0.0.1:1/tcz/' },
      { MK_BUNDLE_GEM_SERVER_URI: 'http://127.0.0.1:2', MK_BUNDLE_TC_VERSION: '16', MK_BUNDLE_ARCH: 'x86_64' },
    );
    expect(options.reusePrevDownloads).toBe(true);
    expect(options.urls.mirror).toBe('http://127.0.0.1:1/tcz');
    expect(options.urls.gemSource).toBe('http://127.0.0.1:2');
    expect(options.tcVersion).toBe('16.x');
    expect(options.arch).toBe('x86_64');
    expect(
      resolveBundleOptions({ ...lists, reusePrevDl: false }, { MK_BUNDLE_RE_USE_PREV_DL: 'yes' }, {}),
    ).toMatchObject({ reusePrevDownloads: false });
  });

  it('rejects bad values with the setting named', () => {
    const bad: [Parameters<typeof resolveBundleOptions>, RegExp][] = [
      [[{ ...lists, arch: 'arm' }, {}, {}], /architecture: expected x86 or x86_64/],
      [[{ ...lists, tcVersion: 'four' }, {}, {}], /Tiny Core version: expected a major version/],
      [[{ ...lists, mirror: 'ftp://x/tcz' }, {}, {}], /--mirror: only http and https/],
      [[{ ...lists, gemSource: 'not a url' }, {}, {}], /--gem-source: not a URL/],
      [[{ ...lists, jobs: 0 }, {}, {}], /--jobs/],
      [[lists, { MK_BUNDLE_TYPE: 'release' }, {}], /MK_BUNDLE_TYPE: expected dev, prod or debug/],
      [[lists, { MK_BUNDLE_RE_USE_PREV_DL: 'maybe' }, {}], /MK_BUNDLE_RE_USE_PREV_DL: expected yes or no/],
      [[{ ...lists, passwdHash: 'des' }, {}, {}], /--passwd-hash/],
      [[{ ...lists, buildProdImage: true, passwdHash: 'md5' }, {}, {}], /no meaning for a production image/],
      [[{ ...lists, tcPasswd: '' }, {}, {}], /may not be empty/],
    ];
    for (const [args, message] of bad) expect(() => resolveBundleOptions(...args)).toThrowError(message);
  });
});
