import { UsageError } from '../errors.js';
import { parseTcArch, parseTcVersion, type TcArch, type TcVersion } from '../tce/mirror.js';
import type { CfgKey, CfgValues } from './bundle-cfg.js';
import { type Flavour, isFlavour } from './flavour.js';
import { httpUrl } from './url.js';

export type PasswdScheme = 'sha512' | 'md5';

/** prod images carry no password at all; the others always carry one. */
export type Image =
  | { readonly flavour: 'prod' }
  | { readonly flavour: 'dev' | 'debug'; readonly tcPassword: string; readonly passwdHash: PasswdScheme };

export interface BundleOptions {
  readonly builtinList: string;
  readonly mirrorList: string;
  readonly image: Image;
  readonly reusePrevDownloads: boolean;
  readonly source: string;
  readonly out: string;
  readonly cacheDir: string | undefined;
  readonly tcVersion: TcVersion;
  readonly arch: TcArch;
  readonly urls: {
    readonly mirror: string | undefined;
    readonly iso: string | undefined;
    readonly gemSource: string;
    readonly rubygems: string;
    readonly mcollective: string;
    readonly openVmTools: string | undefined;
  };
  readonly jobs: number;
  readonly dryRun: boolean;
  readonly json: boolean;
  readonly followDeps: boolean;
  readonly verbose: boolean;
  /** Warnings about ignored settings, for the CLI to print. */
  readonly warnings: readonly string[];
}

/** What yargs hands over: only flags the user actually gave are set. */
export interface CliArgs {
  builtinList?: string;
  mirrorList?: string;
  reusePrevDl?: boolean;
  buildProdImage?: boolean;
  buildDebugImage?: boolean;
  tcPasswd?: string;
  verbose?: boolean;
  source?: string;
  out?: string;
  cacheDir?: string;
  tcVersion?: string;
  arch?: string;
  mirror?: string;
  isoUrl?: string;
  gemSource?: string;
  rubygemsUrl?: string;
  mcollectiveUrl?: string;
  jobs?: number;
  dryRun?: boolean;
  json?: boolean;
  deps?: boolean;
  passwdHash?: string;
}

export const DEFAULTS = {
  tcPassword: 'test1234',
  tcVersion: '4.x',
  arch: 'x86' as TcArch,
  gemSource: 'https://rubygems.org',
  rubygems: 'http://production.cf.rubygems.org/rubygems/rubygems-1.8.24.tgz',
  mcollective: 'http://puppetlabs.com/downloads/mcollective/mcollective-2.0.0.tgz',
  out: 'build-files',
  jobs: 8,
} as const;

/** Environment first, then the config file: the seed's precedence below the command line. */
function setting(key: CfgKey, env: CfgValues, cfg: CfgValues): string | undefined {
  return env[key] ?? cfg[key];
}

function parseBool(value: string, key: string): boolean {
  if (/^(yes|true|1|on)$/i.test(value)) return true;
  if (/^(no|false|0|off)$/i.test(value)) return false;
  throw new UsageError(`${key}: expected yes or no, got '${value}'`);
}

function decideFlavour(cli: CliArgs, env: CfgValues, cfg: CfgValues): Flavour {
  if (cli.buildProdImage && cli.buildDebugImage) {
    throw new UsageError("only one of the '-p' and '-d' flags may be specified");
  }
  if (cli.buildProdImage) return 'prod';
  if (cli.buildDebugImage) return 'debug';
  const type = setting('MK_BUNDLE_TYPE', env, cfg);
  if (type === undefined) return 'dev';
  if (!isFlavour(type)) throw new UsageError(`MK_BUNDLE_TYPE: expected dev, prod or debug, got '${type}'`);
  return type;
}

function decideImage(cli: CliArgs, env: CfgValues, cfg: CfgValues, warnings: string[]): Image {
  const flavour = decideFlavour(cli, env, cfg);
  if (flavour === 'prod') {
    if (cli.tcPasswd !== undefined) {
      throw new UsageError("the '-t' option may not be used when building a production image ('-p')");
    }
    if (setting('MK_BUNDLE_TC_PASSWD', env, cfg) !== undefined) {
      warnings.push('MK_BUNDLE_TC_PASSWD is ignored for a production image (login is disabled)');
    }
    if (cli.passwdHash !== undefined) throw new UsageError("'--passwd-hash' has no meaning for a production image");
    return { flavour };
  }
  const tcPassword = cli.tcPasswd ?? setting('MK_BUNDLE_TC_PASSWD', env, cfg) ?? DEFAULTS.tcPassword;
  if (tcPassword === '') throw new UsageError("'-t': the tc password may not be empty");
  const scheme = cli.passwdHash ?? 'sha512';
  if (scheme !== 'sha512' && scheme !== 'md5') {
    throw new UsageError(`--passwd-hash: expected sha512 or md5, got '${scheme}'`);
  }
  return { flavour, tcPassword, passwdHash: scheme };
}

/**
 * Merges the command line, MK_BUNDLE_* environment and bundle.cfg values
 * (in that order of precedence) over the defaults, applying the seed
 * script's rules. Pure: whether the list files are readable is checked by
 * the caller.
 */
export function resolveBundleOptions(cli: CliArgs, env: CfgValues, cfg: CfgValues): BundleOptions {
  const warnings: string[] = [];
  const builtinList = cli.builtinList ?? setting('MK_BUNDLE_BUILTIN_LIST', env, cfg);
  const mirrorList = cli.mirrorList ?? setting('MK_BUNDLE_MIRROR_LIST', env, cfg);
  if (!builtinList || !mirrorList) {
    throw new UsageError("the 'builtin-list' and 'mirror-list' must both be specified (-b FILE -m FILE)");
  }
  const image = decideImage(cli, env, cfg, warnings);
  const reuse = setting('MK_BUNDLE_RE_USE_PREV_DL', env, cfg);
  const jobs = cli.jobs ?? DEFAULTS.jobs;
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) {
    throw new UsageError(`--jobs: expected a whole number from 1 to 64, got '${cli.jobs}'`);
  }
  const optionalUrl = (value: string | undefined, what: string) =>
    value === undefined ? undefined : httpUrl(value, what);
  return {
    builtinList,
    mirrorList,
    image,
    reusePrevDownloads: cli.reusePrevDl ?? (reuse === undefined ? false : parseBool(reuse, 'MK_BUNDLE_RE_USE_PREV_DL')),
    source: cli.source ?? '.',
    out: cli.out ?? DEFAULTS.out,
    cacheDir: cli.cacheDir,
    tcVersion: parseTcVersion(cli.tcVersion ?? setting('MK_BUNDLE_TC_VERSION', env, cfg) ?? DEFAULTS.tcVersion),
    arch: parseTcArch(cli.arch ?? setting('MK_BUNDLE_ARCH', env, cfg) ?? DEFAULTS.arch),
    urls: {
      mirror: optionalUrl(cli.mirror ?? setting('MK_BUNDLE_TCL_MIRROR_URI', env, cfg), '--mirror'),
      iso: optionalUrl(cli.isoUrl ?? setting('MK_BUNDLE_TCL_ISO_URL', env, cfg), '--iso-url'),
      gemSource: httpUrl(
        cli.gemSource ?? setting('MK_BUNDLE_GEM_SERVER_URI', env, cfg) ?? DEFAULTS.gemSource,
        '--gem-source',
      ),
      rubygems: httpUrl(
        cli.rubygemsUrl ?? setting('MK_BUNDLE_RUBY_GEMS_URL', env, cfg) ?? DEFAULTS.rubygems,
        '--rubygems-url',
      ),
      mcollective: httpUrl(
        cli.mcollectiveUrl ?? setting('MK_BUNDLE_MCOLLECTIVE_URL', env, cfg) ?? DEFAULTS.mcollective,
        '--mcollective-url',
      ),
      openVmTools: optionalUrl(setting('MK_BUNDLE_OPEN_VM_TOOLS_URL', env, cfg), 'MK_BUNDLE_OPEN_VM_TOOLS_URL'),
    },
    jobs,
    dryRun: cli.dryRun ?? false,
    json: cli.json ?? false,
    followDeps: cli.deps ?? true,
    verbose: cli.verbose ?? false,
    warnings,
  };
}
