import { CFG_KEYS } from '../config/bundle-cfg.js';
import { type CliArgs, DEFAULTS, KEY_FLAGS } from '../config/options.js';
import { quoted } from '../config/quote.js';
import { UsageError } from '../errors.js';
import { DEFAULT_SIZE_LIMITS, formatSize } from '../fetch/size-limit.js';
import { LOCK_NAME } from '../lock/lock.js';
import { checkValues, last, type ParsedArgs } from './parse.js';
import {
  COMMON_OPTIONS,
  type CommandSpec,
  camelKey,
  JSON_OPTION,
  type OptionSpec,
  QUIET_OPTION,
  VERBOSE_OPTION,
} from './spec.js';
import { suggest } from './suggest.js';

export interface BundleInvocation {
  readonly args: CliArgs;
  readonly configFile: string | undefined;
}

const limit = (kind: keyof typeof DEFAULT_SIZE_LIMITS, what: string): OptionSpec => ({
  long: `max-${kind}-size`,
  value: 'SIZE',
  describe: `the largest ${what} (default: ${formatSize(DEFAULT_SIZE_LIMITS[kind])})`,
  group: 'Behaviour',
});

const pin = (download: string, what: string): OptionSpec => ({
  long: `${download}-sha256`,
  value: 'HEX',
  describe: `the SHA-256 ${what} must have, checked before it is cached`,
  group: 'Sources',
});

const OPTIONS: readonly OptionSpec[] = [
  {
    long: 'builtin-list',
    short: 'b',
    value: 'FILE',
    describe: 'extensions to install at boot (tmp/builtin/optional/, onboot.lst); required',
    group: 'Inputs',
  },
  {
    long: 'mirror-list',
    short: 'm',
    value: 'FILE',
    describe: "extensions for the Microkernel's local TCE mirror; required",
    group: 'Inputs',
  },
  {
    long: 'config',
    short: 'c',
    value: 'FILE',
    describe: 'read settings from FILE: KEY=VALUE lines with the names under Environment',
    group: 'Inputs',
  },
  {
    long: 'source',
    value: 'DIR',
    describe: 'the Microkernel project tree (default: the current directory)',
    group: 'Inputs',
  },
  {
    long: 'era',
    value: '2012|2013|auto',
    describe: 'which Razor-Microkernel tree --source is (default: auto, from the tree)',
    group: 'Inputs',
  },
  {
    long: 'build-prod-image',
    short: 'p',
    describe: 'a production bundle: no openssh, no ssh setup files, login disabled',
    group: 'Flavour',
  },
  {
    long: 'build-debug-image',
    short: 'd',
    describe: 'a debug bundle: console autologin on tty1, mk_conf_debug.yaml as the config',
    group: 'Flavour',
  },
  {
    long: 'tc-passwd',
    short: 't',
    value: 'PASS',
    describe: `the tc user's password (default: ${DEFAULTS.tcPassword}), stored as a crypt hash, never logged`,
    group: 'Flavour',
  },
  { long: 'passwd-hash', value: 'sha512|md5', describe: 'hash the password as $6$ (default) or $1$', group: 'Flavour' },
  {
    long: 'authorized-keys',
    value: 'FILE',
    describe:
      'OpenSSH public keys (one a line, as in authorized_keys) for the tc user of a dev or debug image: home/tc/.ssh/authorized_keys, 0600, owned by tc; refused with -p',
    group: 'Flavour',
  },
  {
    long: 'tc-version',
    value: 'N.x',
    describe: `the Tiny Core version the mirror and Core ISO URLs are made for (default: ${DEFAULTS.tcVersion})`,
    group: 'Sources',
  },
  {
    long: 'arch',
    value: 'x86|x86_64',
    describe: `the same, for the architecture (default: ${DEFAULTS.arch})`,
    group: 'Sources',
  },
  {
    long: 'mirror',
    value: 'URL|DIR',
    repeatable: true,
    describe:
      'the extension directory (…/tcz), instead of the derived one; a directory or file:// URL on disk works too; repeat for copies, tried in order for each file one fails to give',
    group: 'Sources',
  },
  { long: 'iso-url', value: 'URL|FILE', describe: 'the Core ISO, instead of the derived one', group: 'Sources' },
  {
    long: 'gem-source',
    value: 'URL',
    describe: `a gem server with a compact or legacy index (default: ${DEFAULTS.gemSource})`,
    group: 'Sources',
  },
  { long: 'rubygems-url', value: 'URL|FILE', describe: 'the RubyGems tarball', group: 'Sources' },
  { long: 'mcollective-url', value: 'URL|FILE', describe: 'the MCollective tarball (2012 trees)', group: 'Sources' },
  {
    long: 'open-vm-tools-url',
    value: 'URL|FILE',
    describe: "mk-open-vm-tools.tar.gz (default: the era's puppetlabs URL)",
    group: 'Sources',
  },
  pin('iso', 'the Core ISO'),
  pin('rubygems', 'the RubyGems tarball'),
  pin('mcollective', 'the MCollective tarball'),
  pin('open-vm-tools', 'mk-open-vm-tools.tar.gz'),
  {
    long: 'dpkg-list',
    value: 'URL',
    repeatable: true,
    describe: 'a Debian Packages(.gz) index for .deb entries; repeat for more, the first that has a package wins',
    group: 'Sources',
  },
  {
    long: 'deb-mirror',
    value: 'URL',
    describe: `the Debian archive root those indexes point into (default: ${DEFAULTS.debMirror})`,
    group: 'Sources',
  },
  {
    long: 'out',
    value: 'DIR',
    describe: 'the directory for the bundle and SHA256SUMS (default: build-files in the --source tree)',
    group: 'Output',
  },
  JSON_OPTION,
  QUIET_OPTION,
  {
    long: 'dry-run',
    describe: 'print the settings, where each came from, and every URL and where it lands; no request',
    group: 'Output',
  },
  {
    long: 'reuse-prev-dl',
    short: 'r',
    describe: 'use what the download cache has without asking the network; fetch only what it lacks',
    group: 'Behaviour',
  },
  {
    long: 'offline',
    describe:
      'make no request at all: build from the download cache (and on-disk sources) alone, failing on the first input it lacks',
    group: 'Behaviour',
  },
  {
    long: 'lock',
    value: 'FILE',
    describe: `the lockfile every run writes: each input's URL, size and sha256, the gem versions, the .dep closure (default: ${LOCK_NAME} beside the builtin list)`,
    group: 'Behaviour',
  },
  {
    long: 'frozen',
    describe:
      'build exactly what the lockfile records: fail, naming it, on the first input that is new, changed or gone',
    group: 'Behaviour',
  },
  {
    long: 'cache-dir',
    value: 'DIR',
    describe: 'the download cache (default: $XDG_CACHE_HOME/mkbundle or ~/.cache/mkbundle)',
    group: 'Behaviour',
  },
  {
    long: 'jobs',
    value: 'N',
    number: true,
    describe: `parallel downloads, 1 to 64 (default: ${DEFAULTS.jobs})`,
    group: 'Behaviour',
  },
  {
    long: 'deps',
    negated: true,
    describe: "only the listed extensions, not their .dep closure (the seed's behaviour)",
    group: 'Behaviour',
  },
  limit('metadata', '.md5.txt, .dep, .info, .list or gem info file'),
  limit('index', 'Packages or gem index (versions, specs.4.8.gz)'),
  limit('payload', '.tcz, .deb, .gem, tarball or Core ISO'),
  VERBOSE_OPTION,
  ...COMMON_OPTIONS,
];

const LISTS = '-b additional-build-files/builtin-extensions.lst -m additional-build-files/mirror-extensions.lst';

export const BUNDLE_COMMAND: CommandSpec = {
  name: 'bundle',
  program: 'mkbundle [bundle]',
  summary: 'build the bundle: downloads, the overlay, the bundle tarball (the default command)',
  synopsis: '-b FILE -m FILE [OPTIONS]',
  description: [
    'Builds a gzipped tarfile (the bundle) holding everything needed to build an instance of the Razor Microkernel ISO from Tiny Core Linux. Run it in the Microkernel project tree, or point --source at it.',
  ],
  positionals: [],
  options: OPTIONS,
  examples: [
    { line: `mkbundle ${LISTS} -p`, describe: 'a prod bundle: build-files/razor-microkernel-bundle-prod.tar.gz' },
    { line: `mkbundle -r ${LISTS} -p`, describe: 'the same again from the download cache, without a request' },
    {
      line: 'mkbundle -c bundle.cfg --dry-run',
      describe: 'every setting and where it came from, every URL; no request',
    },
  ],
  notes: [
    'Only one of -p and -d may be given, and -t may not be used with -p (a password from the config file or the environment is ignored, with a warning, for a prod image).',
    'Every URL setting also takes a path or a file:///PATH URL: a mirror, ISO or tarball on disk, read and verified like a download. Downloads go through the proxies in http_proxy, https_proxy and all_proxy (or their upper-case names), except for the hosts in no_proxy.',
    'Settings come from the command line, then the -c config file (KEY=VALUE lines: MK_BUNDLE_* and DEB_MIRROR_URL), then the same names in the environment, then defaults; --dry-run shows where each came from. A flag given twice: the last counts (--dpkg-list and --mirror add to the list). Sizes: bytes, or with K, M or G (KiB, MiB, GiB); a download over its limit stops at once, names the URL and keeps nothing.',
  ],
};

/** The config file and environment keys, each with its value and the flag it stands in for. */
export function bundleEnvironment(): readonly (readonly [string, string])[] {
  return CFG_KEYS.map((key) => {
    const { flag, values } = KEY_FLAGS[key];
    const option = OPTIONS.find((o) => `--${o.long}` === flag);
    return [`${key}=${values ?? option?.value ?? ''}`, `as ${flag}`] as const;
  });
}

/** Options that are not settings: read here, or by the program before the command runs. */
const NOT_ARGS = new Set(['config', 'help', 'version']);

/** A stray word: a command given after bundle options, a misspelt command, or just one too many. */
function strayWord(word: string, commands: readonly CommandSpec[]): UsageError {
  const command = commands.find((c) => c.name === word);
  if (command !== undefined) {
    return new UsageError(
      `${quoted(word)} is a command: it comes first, as in ${command.program} ${command.synopsis}`.trimEnd(),
    );
  }
  const near = suggest(
    word,
    commands.map((c) => c.name),
  );
  if (near !== undefined) return new UsageError(`unknown command ${quoted(word)} (did you mean '${near}'?)`);
  return new UsageError(`unexpected argument ${quoted(word)}`);
}

/**
 * What the bundle command was given: only the flags the user gave are set.
 * `words` are the positionals; `commands` the other commands, for the hints.
 */
export function bundleInvocation(
  parsed: ParsedArgs,
  words: readonly string[],
  commands: readonly CommandSpec[],
): BundleInvocation {
  const [stray] = words;
  if (stray !== undefined) throw strayWord(stray, commands);
  checkValues(parsed, BUNDLE_COMMAND, ['tc-passwd']);
  const jobs = last(parsed.jobs);
  if (jobs !== undefined && !Number.isInteger(jobs)) throw new UsageError('--jobs: expected a whole number');
  // CliArgs has each setting under its option's camelCase key.
  const args: Record<string, unknown> = {};
  for (const option of OPTIONS) {
    const key = camelKey(option.long);
    const value = option.repeatable ? parsed[key] : last(parsed[key]);
    if (!NOT_ARGS.has(option.long) && value !== undefined) args[key] = value;
  }
  return { args: args as CliArgs, configFile: last(parsed.config) as string | undefined };
}
