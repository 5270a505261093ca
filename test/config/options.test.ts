import { describe, expect, it } from 'vitest';
import { parseBundleCfg } from '../../src/config/bundle-cfg.js';
import { DEFAULTS, resolveBundleOptions } from '../../src/config/options.js';
import { UsageError } from '../../src/errors.js';

const lists = { builtinList: 'b.lst', mirrorList: 'm.lst' };
const cfgFile = (...lines: string[]) => parseBundleCfg(`${lines.join('\n')}\n`, 'bundle.cfg');

describe('resolveBundleOptions', () => {
  it('builds a dev image with the default password by default', () => {
    const options = resolveBundleOptions(lists, {}, {});
    expect(options.image).toEqual({ flavour: 'dev', tcPassword: 'test1234', passwdHash: 'sha512' });
    expect(options.reusePrevDownloads).toBe(false);
    expect(options.tcVersion).toBe('4.x');
    expect(options.arch).toBe('x86');
    expect(options.era).toBe('auto');
    expect(options.jobs).toBe(8);
    expect(options.followDeps).toBe(true);
    expect(options.urls).toEqual({
      mirrors: [],
      iso: undefined,
      gemSource: DEFAULTS.gemSource,
      rubygems: DEFAULTS.rubygems,
      mcollective: DEFAULTS.mcollective,
      openVmTools: undefined,
    });
    expect(options.debian).toEqual({
      packageLists: ['http://distro.ibiblio.org/tinycorelinux/5.x/x86/debian_wheezy_main_i386_Packages.gz'],
      mirror: 'http://ftp.us.debian.org/debian',
    });
    expect(options.warnings).toEqual([]);
  });

  it('requires both lists', () => {
    expect(() => resolveBundleOptions({ builtinList: 'b' }, {}, {})).toThrowError(UsageError);
    expect(() => resolveBundleOptions({ mirrorList: 'm' }, {}, {})).toThrowError(/must both be specified/);
  });

  it('ranks command line over config file over environment over defaults, and says so', () => {
    const cfg = cfgFile(
      'MK_BUNDLE_TYPE=debug',
      'MK_BUNDLE_BUILTIN_LIST=cfg.lst',
      'MK_BUNDLE_MIRROR_LIST=cfg-m.lst',
      'DEB_MIRROR_URL=http://cfg.test/debian',
    );
    const env = {
      MK_BUNDLE_BUILTIN_LIST: 'env.lst',
      MK_BUNDLE_TC_PASSWD: 'envpw',
      MK_BUNDLE_TYPE: 'prod',
      DEB_MIRROR_URL: 'http://env.test/debian',
      MK_BUNDLE_ARCH: 'x86_64',
    };
    const fromFiles = resolveBundleOptions({}, env, cfg);
    expect(fromFiles.builtinList).toBe('cfg.lst');
    expect(fromFiles.mirrorList).toBe('cfg-m.lst');
    expect(fromFiles.image).toEqual({ flavour: 'debug', tcPassword: 'envpw', passwdHash: 'sha512' });
    expect(fromFiles.debian.mirror).toBe('http://cfg.test/debian');
    expect(fromFiles.arch).toBe('x86_64');
    expect(fromFiles.origins).toMatchObject({
      builtinList: 'config file bundle.cfg:2',
      mirrorList: 'config file bundle.cfg:3',
      flavour: 'config file bundle.cfg:1',
      tcPassword: 'environment',
      passwdHash: 'default',
      'debian.mirror': 'config file bundle.cfg:4',
      arch: 'environment',
      tcVersion: 'default',
      'urls.mirror': 'default',
      jobs: 'default',
    });
    const fromCli = resolveBundleOptions(
      { builtinList: 'cli.lst', buildDebugImage: true, tcPasswd: 'clipw' },
      env,
      cfg,
    );
    expect(fromCli.builtinList).toBe('cli.lst');
    expect(fromCli.image).toEqual({ flavour: 'debug', tcPassword: 'clipw', passwdHash: 'sha512' });
    expect(fromCli.origins).toMatchObject({
      builtinList: 'command line',
      mirrorList: 'config file bundle.cfg:3',
      flavour: 'command line',
      tcPassword: 'command line',
    });
  });

  it('puts the lockfile beside the builtin list unless --lock says where, and is not frozen unless asked', () => {
    const options = resolveBundleOptions({ builtinList: 'tree/lists/b.lst', mirrorList: 'm.lst' }, {}, {});
    expect(options).toMatchObject({ lock: 'tree/lists/mkbundle.lock.json', frozen: false });
    expect(options.origins).toMatchObject({ lock: 'default', frozen: 'default' });
    const given = resolveBundleOptions({ ...lists, lock: '/srv/mk.lock', frozen: true }, {}, {});
    expect(given).toMatchObject({ lock: '/srv/mk.lock', frozen: true });
    expect(given.origins).toMatchObject({ lock: 'command line', frozen: 'command line' });
  });

  it('takes several mirrors: --mirror repeated, or space-separated in MK_BUNDLE_TCL_MIRROR_URI', () => {
    const fromCli = resolveBundleOptions({ ...lists, mirror: ['http://a/tcz/', '/srv/tc/tcz'] }, {}, {});
    expect(fromCli.urls.mirrors).toEqual(['http://a/tcz', 'file:///srv/tc/tcz']);
    const fromEnv = resolveBundleOptions(lists, { MK_BUNDLE_TCL_MIRROR_URI: ' http://a/tcz  http://b/tcz ' }, {});
    expect(fromEnv.urls.mirrors).toEqual(['http://a/tcz', 'http://b/tcz']);
    expect(fromEnv.origins['urls.mirror']).toBe('environment');
  });

  it('has every setting an origin (prod: no password, no hash, no keys)', () => {
    const dev = resolveBundleOptions(lists, {}, {});
    expect(Object.keys(dev.origins)).toHaveLength(33);
    const prod = resolveBundleOptions({ ...lists, buildProdImage: true }, {}, {});
    expect(Object.keys(prod.origins)).toHaveLength(30);
    expect(prod.origins.tcPassword).toBeUndefined();
  });

  describe('download pins (--*-sha256)', () => {
    const hex = (c: string) => c.repeat(64);

    it('are none by default; the command line beats the config file beats the environment', () => {
      expect(resolveBundleOptions(lists, {}, {}).pins).toEqual({
        iso: undefined,
        rubygems: undefined,
        mcollective: undefined,
        openVmTools: undefined,
      });
      const env = { MK_BUNDLE_TCL_ISO_SHA256: hex('1'), MK_BUNDLE_RUBY_GEMS_SHA256: hex('2') };
      const cfg = cfgFile(`MK_BUNDLE_RUBY_GEMS_SHA256=${hex('3')}`, `MK_BUNDLE_MCOLLECTIVE_SHA256=${hex('4')}`);
      const options = resolveBundleOptions(
        { ...lists, mcollectiveSha256: hex('5'), openVmToolsSha256: hex('A') },
        env,
        cfg,
      );
      expect(options.pins).toEqual({ iso: hex('1'), rubygems: hex('3'), mcollective: hex('5'), openVmTools: hex('a') });
      expect(options.origins).toMatchObject({
        'pins.iso': 'environment',
        'pins.rubygems': 'config file bundle.cfg:1',
        'pins.mcollective': 'command line',
        'pins.openVmTools': 'command line',
      });
    });

    it('one that is not 64 hex digits is a usage error naming the flag, or the file and line', () => {
      expect(() => resolveBundleOptions({ ...lists, isoSha256: hex('g') }, {}, {})).toThrowError(UsageError);
      expect(() => resolveBundleOptions({ ...lists, isoSha256: 'abc' }, {}, {})).toThrowError(
        "--iso-sha256: expected a SHA-256 (64 hex digits), got 'abc'",
      );
      expect(() =>
        resolveBundleOptions(lists, {}, cfgFile('', `MK_BUNDLE_OPEN_VM_TOOLS_SHA256=${hex('0')}0`)),
      ).toThrowError(/^bundle\.cfg:2: MK_BUNDLE_OPEN_VM_TOOLS_SHA256: expected a SHA-256/);
      expect(() => resolveBundleOptions(lists, { MK_BUNDLE_RUBY_GEMS_SHA256: 'x' }, {})).toThrowError(
        /^MK_BUNDLE_RUBY_GEMS_SHA256: expected a SHA-256/,
      );
    });
  });

  describe('download size limits', () => {
    it('default to 16 MiB, 256 MiB and 1 GiB', () => {
      const options = resolveBundleOptions(lists, {}, {});
      expect(options.limits).toEqual({ metadata: 16 * 1024 ** 2, index: 256 * 1024 ** 2, payload: 1024 ** 3 });
      expect(options.origins).toMatchObject({
        'limits.metadata': 'default',
        'limits.index': 'default',
        'limits.payload': 'default',
      });
    });

    it('rank command line over config file over environment, each kind on its own', () => {
      const env = {
        MK_BUNDLE_MAX_METADATA_SIZE: '1M',
        MK_BUNDLE_MAX_INDEX_SIZE: '2M',
        MK_BUNDLE_MAX_PAYLOAD_SIZE: '3M',
      };
      const cfg = cfgFile('MK_BUNDLE_MAX_INDEX_SIZE=20M', 'MK_BUNDLE_MAX_PAYLOAD_SIZE=30M');
      const options = resolveBundleOptions({ ...lists, maxPayloadSize: '300m' }, env, cfg);
      expect(options.limits).toEqual({ metadata: 1024 ** 2, index: 20 * 1024 ** 2, payload: 300 * 1024 ** 2 });
      expect(options.origins).toMatchObject({
        'limits.metadata': 'environment',
        'limits.index': 'config file bundle.cfg:1',
        'limits.payload': 'command line',
      });
    });

    it('a bad size is a usage error naming the flag, or the file and line', () => {
      expect(() => resolveBundleOptions({ ...lists, maxMetadataSize: '16MB' }, {}, {})).toThrowError(
        "--max-metadata-size: expected a size like 512K, 16M or 2G (at least 1 byte), got '16MB'",
      );
      expect(() => resolveBundleOptions(lists, {}, cfgFile('', 'MK_BUNDLE_MAX_INDEX_SIZE=0'))).toThrowError(
        /^bundle\.cfg:2: MK_BUNDLE_MAX_INDEX_SIZE: expected a size/,
      );
      expect(() => resolveBundleOptions(lists, { MK_BUNDLE_MAX_PAYLOAD_SIZE: 'big' }, {})).toThrowError(UsageError);
    });
  });

  it('an empty value in the config file hides the environment: the default applies', () => {
    const options = resolveBundleOptions(lists, { MK_BUNDLE_TC_PASSWD: 'envpw' }, cfgFile('MK_BUNDLE_TC_PASSWD='));
    expect(options.image).toMatchObject({ tcPassword: 'test1234' });
    expect(options.origins.tcPassword).toBe('default');
  });

  it('plain values without a file are from "config file"', () => {
    expect(resolveBundleOptions(lists, {}, { MK_BUNDLE_ARCH: 'x86_64' }).origins.arch).toBe('config file');
  });

  it("passes on the config file's warnings", () => {
    expect(resolveBundleOptions(lists, {}, cfgFile('WGET_V=-v')).warnings).toEqual([
      'bundle.cfg:1: unknown key WGET_V, ignored',
    ]);
  });

  describe('the password rules', () => {
    it('-p with -d, and -t or --passwd-hash with -p on the command line, are usage errors (the seed)', () => {
      expect(() =>
        resolveBundleOptions({ ...lists, buildProdImage: true, buildDebugImage: true }, {}, {}),
      ).toThrowError(/only one of the '-p' and '-d'/);
      expect(() => resolveBundleOptions({ ...lists, buildProdImage: true, tcPasswd: 'x' }, {}, {})).toThrowError(
        /'-t' option may not be used/,
      );
      expect(() => resolveBundleOptions({ ...lists, buildProdImage: true, passwdHash: 'md5' }, {}, {})).toThrowError(
        /no meaning for a production image/,
      );
      expect(resolveBundleOptions({ ...lists, buildProdImage: true }, {}, {}).image).toEqual({ flavour: 'prod' });
      expect(resolveBundleOptions({ ...lists, buildDebugImage: true, tcPasswd: 'pw' }, {}, {}).image).toEqual({
        flavour: 'debug',
        tcPassword: 'pw',
        passwdHash: 'sha512',
      });
    });

    it('a password from the config file or the environment is ignored for prod, with a warning (2013)', () => {
      const fromCfg = resolveBundleOptions({ ...lists, buildProdImage: true }, {}, cfgFile('MK_BUNDLE_TC_PASSWD=big'));
      expect(fromCfg.image).toEqual({ flavour: 'prod' });
      expect(fromCfg.warnings).toEqual([
        'bundle.cfg:1: MK_BUNDLE_TC_PASSWD is ignored for a production image (login is disabled)',
      ]);
      const fromEnv = resolveBundleOptions(lists, { MK_BUNDLE_TC_PASSWD: 'big', MK_BUNDLE_TYPE: 'prod' }, {});
      expect(fromEnv.image).toEqual({ flavour: 'prod' });
      expect(fromEnv.warnings).toEqual(['MK_BUNDLE_TC_PASSWD is ignored for a production image (login is disabled)']);
    });

    it('-t or --passwd-hash with prod from the config file is a warning too', () => {
      const options = resolveBundleOptions(
        { ...lists, tcPasswd: 'pw', passwdHash: 'md5' },
        {},
        cfgFile('MK_BUNDLE_TYPE=prod', 'MK_BUNDLE_TC_PASSWD=big'),
      );
      expect(options.image).toEqual({ flavour: 'prod' });
      expect(options.warnings).toEqual([
        '-t is ignored for a production image (prod from config file bundle.cfg:1; login is disabled)',
        '--passwd-hash is ignored for a production image (prod from config file bundle.cfg:1)',
      ]);
      expect(options.warnings.join('\n')).not.toMatch(/pw|big/);
    });

    it('-t may not be empty; an empty MK_BUNDLE_TC_PASSWD is no password (the default applies)', () => {
      expect(() => resolveBundleOptions({ ...lists, tcPasswd: '' }, {}, {})).toThrowError(/may not be empty/);
      expect(resolveBundleOptions(lists, {}, cfgFile("MK_BUNDLE_TC_PASSWD=''")).image).toMatchObject({
        tcPassword: 'test1234',
      });
    });
  });

  it('reads MK_BUNDLE_RE_USE_PREV_DL and the URL settings', () => {
    const options = resolveBundleOptions(
      lists,
      { MK_BUNDLE_RE_USE_PREV_DL: 'yes', MK_BUNDLE_TCL_MIRROR_URI: 'http://127.0.0.1:1/tcz/' },
      { MK_BUNDLE_GEM_SERVER_URI: 'http://127.0.0.1:2', MK_BUNDLE_TC_VERSION: '16', MK_BUNDLE_ARCH: 'x86_64' },
    );
    expect(options.reusePrevDownloads).toBe(true);
    expect(options.urls.mirrors).toEqual(['http://127.0.0.1:1/tcz']);
    expect(options.urls.gemSource).toBe('http://127.0.0.1:2');
    expect(options.tcVersion).toBe('16.x');
    expect(options.arch).toBe('x86_64');
    expect(
      resolveBundleOptions({ ...lists, reusePrevDl: false }, { MK_BUNDLE_RE_USE_PREV_DL: 'yes' }, {}),
    ).toMatchObject({ reusePrevDownloads: false, origins: { reusePrevDownloads: 'command line' } });
  });

  it('takes the open-vm-tools URL and the era from flag, file or environment, else leaves them to the tree', () => {
    const url = 'http://127.0.0.1:3/mk-open-vm-tools.tar.gz';
    expect(resolveBundleOptions({ ...lists, openVmToolsUrl: url, era: '2012' }, {}, {})).toMatchObject({
      urls: { openVmTools: url },
      era: '2012',
      origins: { 'urls.openVmTools': 'command line', era: 'command line' },
    });
    expect(
      resolveBundleOptions(lists, { MK_BUNDLE_ERA: '2013' }, cfgFile(`MK_BUNDLE_OPEN_VM_TOOLS_URL=${url}`)),
    ).toMatchObject({
      urls: { openVmTools: url },
      era: '2013',
      origins: { 'urls.openVmTools': 'config file bundle.cfg:1', era: 'environment' },
    });
    expect(resolveBundleOptions(lists, {}, {}).origins).toMatchObject({
      'urls.openVmTools': 'default',
      era: 'default',
    });
  });

  it('keeps the Debian package lists in the order given', () => {
    const a = 'http://127.0.0.1:4/a/Packages.gz';
    const b = 'http://127.0.0.1:4/b/Packages.gz';
    expect(resolveBundleOptions({ ...lists, dpkgList: [b, a] }, { MK_BUNDLE_DPKG_LIST: a }, {}).debian).toEqual({
      packageLists: [b, a],
      mirror: DEFAULTS.debMirror,
    });
    const fromCfg = resolveBundleOptions(lists, {}, cfgFile(`MK_BUNDLE_DPKG_LIST=" ${a}\t ${b} "`));
    expect(fromCfg.debian.packageLists).toEqual([a, b]);
    expect(fromCfg.origins['debian.packageLists']).toBe('config file bundle.cfg:1');
    expect(resolveBundleOptions({ ...lists, debMirror: 'http://127.0.0.1:5/debian/' }, {}, {}).debian.mirror).toBe(
      'http://127.0.0.1:5/debian',
    );
  });

  it('rejects bad values with the setting named, and where it came from', () => {
    const bad: [Parameters<typeof resolveBundleOptions>, RegExp | string][] = [
      [[{ ...lists, arch: 'arm' }, {}, {}], /^--arch: Tiny Core architecture: expected x86 or x86_64/],
      [[{ ...lists, tcVersion: 'four' }, {}, {}], /^--tc-version: Tiny Core version: expected a major version/],
      [[{ ...lists, mirror: ['ftp://x/tcz'] }, {}, {}], /^--mirror: only http, https and file URLs or a local path/],
      [[{ ...lists, gemSource: 'http://bad host' }, {}, {}], /^--gem-source: not a URL/],
      [[{ ...lists, jobs: 0 }, {}, {}], /--jobs/],
      [[lists, { MK_BUNDLE_TYPE: 'release' }, {}], "MK_BUNDLE_TYPE: expected dev, prod or debug, got 'release'"],
      [
        [lists, {}, cfgFile('', 'MK_BUNDLE_TYPE=re\\lease')],
        /^bundle\.cfg:2: MK_BUNDLE_TYPE: expected dev.*'re\\\\lease'/,
      ],
      [[lists, { MK_BUNDLE_RE_USE_PREV_DL: 'maybe' }, {}], /MK_BUNDLE_RE_USE_PREV_DL: expected yes or no/],
      [[{ ...lists, passwdHash: 'des' }, {}, {}], /--passwd-hash/],
      [[{ ...lists, era: '2014' }, {}, {}], "--era: expected auto, 2012 or 2013, got '2014'"],
      [[lists, { MK_BUNDLE_ERA: 'old' }, {}], "MK_BUNDLE_ERA: expected auto, 2012 or 2013, got 'old'"],
      [
        [lists, {}, cfgFile('DEB_MIRROR_URL=ftp://ftp.us.debian.org/debian')],
        /^bundle\.cfg:1: DEB_MIRROR_URL: only http/,
      ],
      [[{ ...lists, dpkgList: ['http://x/P.gz', 'http://[nope'] }, {}, {}], "--dpkg-list: not a URL: 'http://[nope'"],
      [[lists, { MK_BUNDLE_DPKG_LIST: 'http://x/P.gz ftp://y/P.gz' }, {}], /^MK_BUNDLE_DPKG_LIST: only http/],
      [
        [{ ...lists, openVmToolsUrl: 'file://fileserver/x.tgz' }, {}, {}],
        /^--open-vm-tools-url: a file: URL names this machine's files/,
      ],
      // A bad URL is quoted with its credentials redacted.
      [
        [{ ...lists, mirror: ['http://u:s3cret@h:99999/tcz'] }, {}, {}],
        "--mirror: not a URL: 'http://***@h:99999/tcz'",
      ],
      [
        [{ ...lists, isoUrl: 'ftp://u:s3cret@h/Core.iso' }, {}, {}],
        "only http, https and file URLs or a local path are supported: 'ftp://***@h/",
      ],
      [[lists, {}, cfgFile('MK_BUNDLE_TC_VERSION=x')], /^bundle\.cfg:1: MK_BUNDLE_TC_VERSION: Tiny Core version/],
    ];
    for (const [args, message] of bad) {
      expect(() => resolveBundleOptions(...args)).toThrowError(UsageError);
      expect(() => resolveBundleOptions(...args)).toThrowError(message);
    }
  });
});
