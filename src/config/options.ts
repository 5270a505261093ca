import { dirname, join } from 'node:path';
import { UsageError } from '../errors.js';
import { DEFAULT_SIZE_LIMITS, type DownloadKind, limitFlag, type SizeLimits } from '../fetch/size-limit.js';
import { LOCK_NAME } from '../lock/lock.js';
import { ERAS, type Era } from '../overlay/era.js';
import { parseTcArch, parseTcVersion, type TcArch, type TcVersion } from '../tce/mirror.js';
import type { CfgFile, CfgKey, CfgValues } from './bundle-cfg.js';
import { FLAVOURS, type Flavour, isFlavour } from './flavour.js';
import { quoted } from './quote.js';
import { parseSize } from './size.js';
import { sourceUrl } from './url.js';

export type PasswdScheme = 'sha512' | 'md5';

/** prod images carry no password and no SSH key at all; the others always carry a password. */
export type Image =
  | { readonly flavour: 'prod' }
  | {
      readonly flavour: 'dev' | 'debug';
      readonly tcPassword: string;
      readonly passwdHash: PasswdScheme;
      /** A file of SSH public keys for tc (`--authorized-keys`). */
      readonly authorizedKeys: string | undefined;
    };

/** Which Razor-Microkernel tree the source is; 'auto' leaves it to the tree's contents. */
export type EraChoice = 'auto' | Era;
const ERA_CHOICES: readonly EraChoice[] = ['auto', ...ERAS];

/** Where a setting came from; a config file origin names the file and line. */
export type Origin = 'command line' | 'environment' | 'default' | 'config file' | `config file ${string}`;

/** The settings whose origin is recorded, by their place in BundleOptions. */
export const SETTINGS = [
  'builtinList',
  'mirrorList',
  'flavour',
  'tcPassword',
  'passwdHash',
  'authorizedKeys',
  'reusePrevDownloads',
  'offline',
  'lock',
  'frozen',
  'source',
  'out',
  'cacheDir',
  'tcVersion',
  'arch',
  'era',
  'urls.mirror',
  'urls.iso',
  'urls.gemSource',
  'urls.rubygems',
  'urls.mcollective',
  'urls.openVmTools',
  'pins.iso',
  'pins.rubygems',
  'pins.mcollective',
  'pins.openVmTools',
  'debian.packageLists',
  'debian.mirror',
  'jobs',
  'followDeps',
  'limits.metadata',
  'limits.index',
  'limits.payload',
] as const;
export type Setting = (typeof SETTINGS)[number];
/** tcPassword, passwdHash and authorizedKeys are absent for a prod image, which has none. */
export type Origins = Readonly<Partial<Record<Setting, Origin>>>;

export interface BundleOptions {
  readonly builtinList: string;
  readonly mirrorList: string;
  readonly image: Image;
  readonly reusePrevDownloads: boolean;
  /** --offline: no request at all; what the cache lacks fails the run. */
  readonly offline: boolean;
  /** mkbundle.lock.json: written by every run, read by --frozen. */
  readonly lock: string;
  /** --frozen: build exactly what the lock records, or fail naming what changed. */
  readonly frozen: boolean;
  readonly source: string;
  readonly out: string;
  readonly cacheDir: string | undefined;
  readonly tcVersion: TcVersion;
  readonly arch: TcArch;
  readonly era: EraChoice;
  readonly urls: {
    /** `--mirror`, in the order given: each file is tried on each in turn. Empty: the one derived. */
    readonly mirrors: readonly string[];
    readonly iso: string | undefined;
    readonly gemSource: string;
    readonly rubygems: string;
    readonly mcollective: string;
    /** undefined: the default of the source tree's era. */
    readonly openVmTools: string | undefined;
  };
  /** The SHA-256 (lower-case hex) each of those downloads must have (`--*-sha256`); undefined: none. */
  readonly pins: {
    readonly iso: string | undefined;
    readonly rubygems: string | undefined;
    readonly mcollective: string | undefined;
    readonly openVmTools: string | undefined;
  };
  readonly debian: {
    /** Package list URLs (`Packages.gz`), in the order given: the first that has a package wins. */
    readonly packageLists: readonly string[];
    /** The archive root the lists' `Filename:` paths are relative to. */
    readonly mirror: string;
  };
  readonly jobs: number;
  /** The largest download of each kind, in bytes. */
  readonly limits: SizeLimits;
  readonly dryRun: boolean;
  readonly json: boolean;
  readonly followDeps: boolean;
  readonly verbose: boolean;
  readonly origins: Origins;
  /** Warnings about ignored settings, for the CLI to print. */
  readonly warnings: readonly string[];
}

/** What yargs hands over: only flags the user actually gave are set. */
export interface CliArgs {
  builtinList?: string;
  mirrorList?: string;
  reusePrevDl?: boolean;
  offline?: boolean;
  lock?: string;
  frozen?: boolean;
  buildProdImage?: boolean;
  buildDebugImage?: boolean;
  tcPasswd?: string;
  verbose?: boolean;
  /** -q: only errors and the output paths; the CLI's business, not a build setting. */
  quiet?: boolean;
  source?: string;
  out?: string;
  cacheDir?: string;
  tcVersion?: string;
  arch?: string;
  era?: string;
  mirror?: readonly string[];
  isoUrl?: string;
  gemSource?: string;
  rubygemsUrl?: string;
  mcollectiveUrl?: string;
  openVmToolsUrl?: string;
  isoSha256?: string;
  rubygemsSha256?: string;
  mcollectiveSha256?: string;
  openVmToolsSha256?: string;
  dpkgList?: readonly string[];
  debMirror?: string;
  jobs?: number;
  dryRun?: boolean;
  json?: boolean;
  deps?: boolean;
  passwdHash?: string;
  authorizedKeys?: string;
  maxMetadataSize?: string;
  maxIndexSize?: string;
  maxPayloadSize?: string;
}

/** Where each download limit is set, besides its flag (`limitFlag`). */
const LIMIT_SETTINGS: Readonly<
  Record<DownloadKind, readonly ['maxMetadataSize' | 'maxIndexSize' | 'maxPayloadSize', CfgKey]>
> = {
  metadata: ['maxMetadataSize', 'MK_BUNDLE_MAX_METADATA_SIZE'],
  index: ['maxIndexSize', 'MK_BUNDLE_MAX_INDEX_SIZE'],
  payload: ['maxPayloadSize', 'MK_BUNDLE_MAX_PAYLOAD_SIZE'],
};

/**
 * The command-line flag each config file and environment key stands in for
 * (messages about a command-line value name it; help and the man page list
 * the keys from here), and its values where the flag's are not the same.
 */
export const KEY_FLAGS: Readonly<Record<CfgKey, { readonly flag: string; readonly values?: string }>> = {
  MK_BUNDLE_BUILTIN_LIST: { flag: '--builtin-list' },
  MK_BUNDLE_MIRROR_LIST: { flag: '--mirror-list' },
  MK_BUNDLE_TC_PASSWD: { flag: '--tc-passwd' },
  MK_BUNDLE_RE_USE_PREV_DL: { flag: '--reuse-prev-dl', values: 'yes|no' },
  MK_BUNDLE_OFFLINE: { flag: '--offline', values: 'yes|no' },
  MK_BUNDLE_TYPE: { flag: '--build-prod-image, --build-debug-image', values: FLAVOURS.join('|') },
  MK_BUNDLE_TCL_MIRROR_URI: { flag: '--mirror', values: "'URL URL…'" },
  MK_BUNDLE_TCL_ISO_URL: { flag: '--iso-url' },
  MK_BUNDLE_RUBY_GEMS_URL: { flag: '--rubygems-url' },
  MK_BUNDLE_OPEN_VM_TOOLS_URL: { flag: '--open-vm-tools-url' },
  MK_BUNDLE_GEM_SERVER_URI: { flag: '--gem-source' },
  DEB_MIRROR_URL: { flag: '--deb-mirror' },
  MK_BUNDLE_DPKG_LIST: { flag: '--dpkg-list', values: "'URL URL…'" },
  MK_BUNDLE_MCOLLECTIVE_URL: { flag: '--mcollective-url' },
  MK_BUNDLE_TC_VERSION: { flag: '--tc-version' },
  MK_BUNDLE_ARCH: { flag: '--arch' },
  MK_BUNDLE_ERA: { flag: '--era' },
  MK_BUNDLE_MAX_METADATA_SIZE: { flag: limitFlag('metadata') },
  MK_BUNDLE_MAX_INDEX_SIZE: { flag: limitFlag('index') },
  MK_BUNDLE_MAX_PAYLOAD_SIZE: { flag: limitFlag('payload') },
  MK_BUNDLE_TCL_ISO_SHA256: { flag: '--iso-sha256' },
  MK_BUNDLE_RUBY_GEMS_SHA256: { flag: '--rubygems-sha256' },
  MK_BUNDLE_MCOLLECTIVE_SHA256: { flag: '--mcollective-sha256' },
  MK_BUNDLE_OPEN_VM_TOOLS_SHA256: { flag: '--open-vm-tools-sha256' },
};

export const DEFAULTS = {
  tcPassword: 'test1234',
  tcVersion: '4.x',
  arch: 'x86' as TcArch,
  era: 'auto' as EraChoice,
  gemSource: 'https://rubygems.org',
  rubygems: 'http://production.cf.rubygems.org/rubygems/rubygems-1.8.24.tgz',
  mcollective: 'http://puppetlabs.com/downloads/mcollective/mcollective-2.0.0.tgz',
  dpkgLists: ['http://distro.ibiblio.org/tinycorelinux/5.x/x86/debian_wheezy_main_i386_Packages.gz'],
  // The 2013 script's default is ftp://ftp.us.debian.org/debian; we fetch only http(s), and the same archive serves http.
  debMirror: 'http://ftp.us.debian.org/debian',
  out: 'build-files',
  jobs: 8,
} as const;

/** A setting's text, where it came from, and how messages name it. */
interface Found {
  readonly value: string;
  readonly origin: Origin;
  readonly label: string;
}

function asCfgFile(cfg: CfgFile | CfgValues): CfgFile | { readonly values: CfgValues; readonly file?: undefined } {
  return 'values' in cfg ? cfg : { values: cfg };
}

/**
 * The config file, then the environment: the 2013 script read the file into
 * its environment, so a key the file sets hides the environment's value,
 * even when the file sets it to nothing (then the default applies).
 */
function fromFiles(key: CfgKey, env: CfgValues, cfg: ReturnType<typeof asCfgFile>): Found | undefined {
  if (key in cfg.values) {
    const value = cfg.values[key] ?? '';
    if (value === '') return undefined;
    if (cfg.file === undefined) return { value, origin: 'config file', label: key };
    const where = `${cfg.file}:${cfg.lines[key] ?? '?'}`;
    return { value, origin: `config file ${where}`, label: `${where}: ${key}` };
  }
  const value = env[key];
  return value === undefined || value === '' ? undefined : { value, origin: 'environment', label: key };
}

function parseBool(found: Found): boolean {
  if (/^(yes|true|1|on)$/i.test(found.value)) return true;
  if (/^(no|false|0|off)$/i.test(found.value)) return false;
  throw new UsageError(`${found.label}: expected yes or no, got ${quoted(found.value)}`);
}

/** A parser's UsageError with the setting's name in front. */
function labelled<T>(found: Found, parse: (value: string) => T): T {
  try {
    return parse(found.value);
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`${found.label}: ${error.message}`);
    throw error;
  }
}

function parseSha256(found: Found): string {
  if (/^[0-9a-f]{64}$/i.test(found.value)) return found.value.toLowerCase();
  throw new UsageError(`${found.label}: expected a SHA-256 (64 hex digits), got ${quoted(found.value)}`);
}

function parseEra(found: Found): EraChoice {
  const era = ERA_CHOICES.find((e) => e === found.value);
  if (era !== undefined) return era;
  throw new UsageError(`${found.label}: expected auto, 2012 or 2013, got ${quoted(found.value)}`);
}

/**
 * Merges the command line, the config file and the environment (in that
 * order of precedence, as the 2013 script had it) over the defaults,
 * applying the seed script's rules, and records where each value came
 * from. Pure: whether the list files are readable is checked by the caller.
 */
export function resolveBundleOptions(cli: CliArgs, env: CfgValues, cfgInput: CfgFile | CfgValues): BundleOptions {
  const cfg = asCfgFile(cfgInput);
  const warnings: string[] = 'warnings' in cfg ? [...cfg.warnings] : [];
  const origins: Partial<Record<Setting, Origin>> = {};
  const files = (key: CfgKey) => fromFiles(key, env, cfg);
  /** The command line's value (named by its flag), else the file's or the environment's. */
  const lookup = (value: string | undefined, key: CfgKey): Found | undefined =>
    value === undefined ? files(key) : { value, origin: 'command line', label: KEY_FLAGS[key].flag };
  const take = <T>(setting: Setting, found: Found | undefined, parse: (found: Found) => T, fallback: T): T => {
    origins[setting] = found?.origin ?? 'default';
    return found === undefined ? fallback : parse(found);
  };
  const cliOnly = <T>(setting: Setting, value: T | undefined, fallback: T): T => {
    origins[setting] = value === undefined ? 'default' : 'command line';
    return value ?? fallback;
  };
  const text = (found: Found) => found.value;
  const url = (found: Found) => sourceUrl(found.value, found.label);
  // Several URLs in one value, space-separated (MK_BUNDLE_TCL_MIRROR_URI, MK_BUNDLE_DPKG_LIST).
  const urls = (found: Found) =>
    found.value
      .trim()
      .split(/\s+/)
      .map((value) => sourceUrl(value, found.label));
  const pin = (setting: Setting, value: string | undefined, key: CfgKey) =>
    take<string | undefined>(setting, lookup(value, key), parseSha256, undefined);

  const builtinList = take('builtinList', lookup(cli.builtinList, 'MK_BUNDLE_BUILTIN_LIST'), text, '');
  const mirrorList = take('mirrorList', lookup(cli.mirrorList, 'MK_BUNDLE_MIRROR_LIST'), text, '');
  if (!builtinList || !mirrorList) {
    throw new UsageError("the 'builtin-list' and 'mirror-list' must both be specified (-b FILE -m FILE)");
  }
  const image = decideImage(cli, files, origins, warnings);
  const reusePrevDownloads =
    cli.reusePrevDl === undefined
      ? take('reusePrevDownloads', files('MK_BUNDLE_RE_USE_PREV_DL'), parseBool, false)
      : cliOnly('reusePrevDownloads', cli.reusePrevDl, false);
  const jobs = cliOnly('jobs', cli.jobs, DEFAULTS.jobs);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) {
    throw new UsageError(`--jobs: expected a whole number from 1 to 64, got '${cli.jobs}'`);
  }
  const packageLists =
    cli.dpkgList === undefined
      ? take<readonly string[]>('debian.packageLists', files('MK_BUNDLE_DPKG_LIST'), urls, DEFAULTS.dpkgLists)
      : cliOnly<readonly string[]>(
          'debian.packageLists',
          cli.dpkgList.map((value) => sourceUrl(value, '--dpkg-list')),
          DEFAULTS.dpkgLists,
        );
  const limit = (kind: DownloadKind): number => {
    const [arg, key] = LIMIT_SETTINGS[kind];
    const found = lookup(cli[arg], key);
    return take(`limits.${kind}`, found, (f) => labelled(f, parseSize), DEFAULT_SIZE_LIMITS[kind]);
  };
  const limits: SizeLimits = { metadata: limit('metadata'), index: limit('index'), payload: limit('payload') };
  const source = cliOnly('source', cli.source, '.');
  return {
    builtinList,
    mirrorList,
    image,
    reusePrevDownloads,
    offline:
      cli.offline === undefined
        ? take('offline', files('MK_BUNDLE_OFFLINE'), parseBool, false)
        : cliOnly('offline', cli.offline, false),
    lock: cliOnly('lock', cli.lock, join(dirname(builtinList), LOCK_NAME)),
    frozen: cliOnly('frozen', cli.frozen, false),
    source,
    // Where the upstream script put it: build-files/ of the project tree.
    out: cliOnly('out', cli.out, join(source, DEFAULTS.out)),
    cacheDir: cliOnly<string | undefined>('cacheDir', cli.cacheDir, undefined),
    tcVersion: take(
      'tcVersion',
      lookup(cli.tcVersion, 'MK_BUNDLE_TC_VERSION'),
      (f) => labelled(f, parseTcVersion),
      parseTcVersion(DEFAULTS.tcVersion),
    ),
    arch: take('arch', lookup(cli.arch, 'MK_BUNDLE_ARCH'), (f) => labelled(f, parseTcArch), DEFAULTS.arch),
    era: take('era', lookup(cli.era, 'MK_BUNDLE_ERA'), parseEra, DEFAULTS.era),
    urls: {
      mirrors:
        cli.mirror === undefined
          ? take<readonly string[]>('urls.mirror', files('MK_BUNDLE_TCL_MIRROR_URI'), urls, [])
          : cliOnly<readonly string[]>(
              'urls.mirror',
              cli.mirror.map((value) => sourceUrl(value, '--mirror')),
              [],
            ),
      iso: take<string | undefined>('urls.iso', lookup(cli.isoUrl, 'MK_BUNDLE_TCL_ISO_URL'), url, undefined),
      gemSource: take('urls.gemSource', lookup(cli.gemSource, 'MK_BUNDLE_GEM_SERVER_URI'), url, DEFAULTS.gemSource),
      rubygems: take('urls.rubygems', lookup(cli.rubygemsUrl, 'MK_BUNDLE_RUBY_GEMS_URL'), url, DEFAULTS.rubygems),
      mcollective: take(
        'urls.mcollective',
        lookup(cli.mcollectiveUrl, 'MK_BUNDLE_MCOLLECTIVE_URL'),
        url,
        DEFAULTS.mcollective,
      ),
      openVmTools: take<string | undefined>(
        'urls.openVmTools',
        lookup(cli.openVmToolsUrl, 'MK_BUNDLE_OPEN_VM_TOOLS_URL'),
        url,
        undefined,
      ),
    },
    pins: {
      iso: pin('pins.iso', cli.isoSha256, 'MK_BUNDLE_TCL_ISO_SHA256'),
      rubygems: pin('pins.rubygems', cli.rubygemsSha256, 'MK_BUNDLE_RUBY_GEMS_SHA256'),
      mcollective: pin('pins.mcollective', cli.mcollectiveSha256, 'MK_BUNDLE_MCOLLECTIVE_SHA256'),
      openVmTools: pin('pins.openVmTools', cli.openVmToolsSha256, 'MK_BUNDLE_OPEN_VM_TOOLS_SHA256'),
    },
    debian: {
      packageLists,
      mirror: take('debian.mirror', lookup(cli.debMirror, 'DEB_MIRROR_URL'), url, DEFAULTS.debMirror),
    },
    jobs,
    limits,
    dryRun: cli.dryRun ?? false,
    json: cli.json ?? false,
    followDeps: cliOnly('followDeps', cli.deps, true),
    verbose: cli.verbose ?? false,
    origins,
    warnings,
  };
}

function decideFlavour(
  cli: CliArgs,
  files: (key: CfgKey) => Found | undefined,
): { readonly flavour: Flavour; readonly origin: Origin } {
  if (cli.buildProdImage && cli.buildDebugImage) {
    throw new UsageError("only one of the '-p' and '-d' flags may be specified");
  }
  if (cli.buildProdImage) return { flavour: 'prod', origin: 'command line' };
  if (cli.buildDebugImage) return { flavour: 'debug', origin: 'command line' };
  const type = files('MK_BUNDLE_TYPE');
  if (type === undefined) return { flavour: 'dev', origin: 'default' };
  if (!isFlavour(type.value)) {
    throw new UsageError(`${type.label}: expected dev, prod or debug, got ${quoted(type.value)}`);
  }
  return { flavour: type.value, origin: type.origin };
}

/**
 * The seed's rule stays for the command line: -t (or --passwd-hash) with -p
 * is a usage error. A password that reaches a prod image any other way is
 * ignored with a warning, as the 2013 script did, so that one config file
 * serves every flavour.
 */
function decideImage(
  cli: CliArgs,
  files: (key: CfgKey) => Found | undefined,
  origins: Partial<Record<Setting, Origin>>,
  warnings: string[],
): Image {
  const { flavour, origin } = decideFlavour(cli, files);
  origins.flavour = origin;
  const password = files('MK_BUNDLE_TC_PASSWD');
  if (flavour === 'prod') {
    const prodFrom = origin === 'command line' ? undefined : `prod from ${origin}`;
    if (cli.tcPasswd !== undefined) {
      if (prodFrom === undefined) {
        throw new UsageError("the '-t' option may not be used when building a production image ('-p')");
      }
      warnings.push(`-t is ignored for a production image (${prodFrom}; login is disabled)`);
    } else if (password !== undefined) {
      warnings.push(`${password.label} is ignored for a production image (login is disabled)`);
    }
    if (cli.passwdHash !== undefined) {
      if (prodFrom === undefined) throw new UsageError("'--passwd-hash' has no meaning for a production image");
      warnings.push(`--passwd-hash is ignored for a production image (${prodFrom})`);
    }
    // Refused wherever prod came from: a key ignored with a warning would leave its owner believing they can log in.
    if (cli.authorizedKeys !== undefined) {
      throw new UsageError(
        `'--authorized-keys' may not be used for a production image (${prodFrom ?? "'-p'"}): prod images allow no login`,
      );
    }
    return { flavour };
  }
  if (cli.tcPasswd === '') throw new UsageError("'-t': the tc password may not be empty");
  origins.tcPassword = cli.tcPasswd !== undefined ? 'command line' : (password?.origin ?? 'default');
  const tcPassword = cli.tcPasswd ?? password?.value ?? DEFAULTS.tcPassword;
  origins.passwdHash = cli.passwdHash === undefined ? 'default' : 'command line';
  const scheme = cli.passwdHash ?? 'sha512';
  if (scheme !== 'sha512' && scheme !== 'md5') {
    throw new UsageError(`--passwd-hash: expected sha512 or md5, got ${quoted(scheme)}`);
  }
  origins.authorizedKeys = cli.authorizedKeys === undefined ? 'default' : 'command line';
  return { flavour, tcPassword, passwdHash: scheme, authorizedKeys: cli.authorizedKeys };
}
