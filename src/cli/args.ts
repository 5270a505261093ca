import yargs, { type Argv } from 'yargs';
import type { CliArgs } from '../config/options.js';
import { quoted } from '../config/quote.js';
import { UsageError } from '../errors.js';

export type Invocation =
  | { readonly command: 'help'; readonly usage: string }
  | { readonly command: 'bundle'; readonly args: CliArgs; readonly configFile: string | undefined };

const EPILOG = `Only one of -p and -d may be given, and -t may not be used with -p (a password from
the config file or the environment is ignored, with a warning, for a prod image).
Settings come from the command line, then the -c config file (KEY=VALUE lines:
MK_BUNDLE_* and DEB_MIRROR_URL), then the same names in the environment, then
defaults; --dry-run shows where each came from. A flag given twice: the last counts
(--dpkg-list adds to the list). Sizes: bytes, or with K, M or G (KiB, MiB, GiB);
a download over its limit stops at once, names the URL and keeps nothing.
Then build the ISO: mkbundle iso BUNDLE [VERSION] (see mkbundle iso --help).`;

function bundleParser(argv: string[]): Argv {
  return yargs(argv)
    .scriptName('mkbundle')
    .help(false)
    .version(false)
    .usage(
      'Usage: mkbundle -b FILE -m FILE [OPTIONS]\n\nBuilds a gzipped tarfile (the bundle) holding everything needed to build\nan instance of the Razor Microkernel ISO from Tiny Core Linux.',
    )
    .option('help', { alias: 'h', type: 'boolean', describe: 'print usage for this command' })
    .option('reuse-prev-dl', {
      alias: 'r',
      type: 'boolean',
      describe: 'reuse earlier downloads without asking the network',
    })
    .option('builtin-list', { alias: 'b', type: 'string', describe: 'file of extensions to install as builtin' })
    .option('mirror-list', { alias: 'm', type: 'string', describe: 'file of extensions to add to the TCE mirror' })
    .option('build-prod-image', {
      alias: 'p',
      type: 'boolean',
      describe: 'build a production bundle (no openssh, no passwd)',
    })
    .option('build-debug-image', { alias: 'd', type: 'boolean', describe: 'build a debug bundle (console autologin)' })
    .option('tc-passwd', { alias: 't', type: 'string', describe: "password for the tc user (default 'test1234')" })
    .option('config', {
      alias: 'c',
      type: 'string',
      describe: 'read settings from FILE: MK_BUNDLE_*=VALUE and DEB_MIRROR_URL=VALUE lines',
    })
    .option('verbose', { alias: 'v', type: 'boolean', describe: 'explain more, including error causes' })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'print only errors and the paths of the outputs' })
    .option('source', { type: 'string', describe: 'Microkernel project tree (default: current directory)' })
    .option('out', { type: 'string', describe: 'directory for the bundle (default: build-files)' })
    .option('cache-dir', { type: 'string', describe: 'download cache (default: $XDG_CACHE_HOME/mkbundle)' })
    .option('tc-version', { type: 'string', describe: 'Tiny Core major version (default: 4.x)' })
    .option('arch', { type: 'string', describe: 'x86 or x86_64 (default: x86)' })
    .option('mirror', { type: 'string', describe: 'extension directory URL (…/tcz), overrides --tc-version/--arch' })
    .option('iso-url', { type: 'string', describe: 'Core ISO URL' })
    .option('era', {
      type: 'string',
      describe: 'Razor-Microkernel tree of 2012 or 2013 (default: auto, from the source tree)',
    })
    .option('gem-source', {
      type: 'string',
      describe: 'gem server with a compact index (default: https://rubygems.org)',
    })
    .option('rubygems-url', { type: 'string', describe: 'RubyGems tarball URL' })
    .option('mcollective-url', { type: 'string', describe: 'MCollective tarball URL' })
    .option('open-vm-tools-url', {
      type: 'string',
      describe: "mk-open-vm-tools.tar.gz URL (default: the era's puppetlabs URL)",
    })
    .option('dpkg-list', {
      type: 'string',
      array: true,
      nargs: 1,
      describe: 'Debian Packages.gz URL for .deb entries; repeat for more, the first that has a package wins',
    })
    .option('deb-mirror', {
      type: 'string',
      describe: 'Debian archive root for .deb entries (default: http://ftp.us.debian.org/debian)',
    })
    .option('jobs', { type: 'number', describe: 'parallel downloads (default: 8)' })
    .option('max-metadata-size', {
      type: 'string',
      describe: 'largest .md5.txt, .dep, .info, .list or gem info file (default: 16M)',
    })
    .option('max-index-size', {
      type: 'string',
      describe: 'largest Packages or gem index: versions, specs.4.8.gz (default: 256M)',
    })
    .option('max-payload-size', {
      type: 'string',
      describe: 'largest .tcz, .deb, .gem, tarball or Core ISO (default: 1G)',
    })
    .option('dry-run', { type: 'boolean', describe: 'print the plan (every URL and where it lands) and stop' })
    .option('json', { type: 'boolean', describe: 'print the result as JSON' })
    .option('deps', {
      type: 'boolean',
      describe: 'fetch the .dep closure of each extension (--no-deps: only the listed ones)',
    })
    .option('passwd-hash', { type: 'string', describe: 'tc password hash: sha512 ($6$, default) or md5 ($1$)' })
    .epilog(EPILOG)
    .strict()
    .exitProcess(false)
    .wrap(100)
    .fail((message, error) => {
      throw error instanceof UsageError ? error : new UsageError(message || String(error));
    });
}

export async function bundleUsage(): Promise<string> {
  return bundleParser([]).getHelp();
}

/** Parses argv into what to do; every mistake is a UsageError. */
export async function parseArgv(argv: readonly string[]): Promise<Invocation> {
  const parsed = await bundleParser([...argv]).parseAsync();
  if (parsed.help) return { command: 'help', usage: await bundleUsage() };
  // A flag given twice comes as an array: the last one counts, as in the original's getopt loop.
  const last = (value: unknown) => (Array.isArray(value) ? value[value.length - 1] : value);
  const jobs = last(parsed.jobs);
  if (jobs !== undefined && !Number.isInteger(jobs)) throw new UsageError('--jobs: expected a whole number');
  const stray = parsed._;
  if (stray.length > 0) throw new UsageError(`unexpected argument ${quoted(String(stray[0]))}`);
  const pick = <K extends keyof CliArgs>(key: K, value: unknown): Partial<CliArgs> =>
    last(value) === undefined ? {} : ({ [key]: last(value) } as Partial<CliArgs>);
  const args: CliArgs = {
    ...pick('builtinList', parsed.builtinList),
    ...pick('mirrorList', parsed.mirrorList),
    ...pick('reusePrevDl', parsed.reusePrevDl),
    ...pick('buildProdImage', parsed.buildProdImage),
    ...pick('buildDebugImage', parsed.buildDebugImage),
    ...pick('tcPasswd', parsed.tcPasswd),
    ...pick('verbose', parsed.verbose),
    ...pick('quiet', parsed.quiet),
    ...pick('source', parsed.source),
    ...pick('out', parsed.out),
    ...pick('cacheDir', parsed.cacheDir),
    ...pick('tcVersion', parsed.tcVersion),
    ...pick('arch', parsed.arch),
    ...pick('era', parsed.era),
    ...pick('mirror', parsed.mirror),
    ...pick('isoUrl', parsed.isoUrl),
    ...pick('gemSource', parsed.gemSource),
    ...pick('rubygemsUrl', parsed.rubygemsUrl),
    ...pick('mcollectiveUrl', parsed.mcollectiveUrl),
    ...pick('openVmToolsUrl', parsed.openVmToolsUrl),
    ...(Array.isArray(parsed.dpkgList) ? { dpkgList: parsed.dpkgList.map(String) } : {}),
    ...pick('debMirror', parsed.debMirror),
    ...pick('jobs', parsed.jobs),
    ...pick('dryRun', parsed.dryRun),
    ...pick('json', parsed.json),
    ...pick('deps', parsed.deps),
    ...pick('passwdHash', parsed.passwdHash),
    ...pick('maxMetadataSize', parsed.maxMetadataSize),
    ...pick('maxIndexSize', parsed.maxIndexSize),
    ...pick('maxPayloadSize', parsed.maxPayloadSize),
  };
  for (const [key, value] of Object.entries(args)) {
    const empty = typeof value === 'string' ? value === '' : Array.isArray(value) && value.includes('');
    if (empty && key !== 'tcPasswd') {
      throw new UsageError(`option '--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}' needs a value`);
    }
  }
  const configFile = last(parsed.config) as string | undefined;
  if (configFile === '') throw new UsageError("option '-c' needs a value");
  return { command: 'bundle', args, configFile };
}
