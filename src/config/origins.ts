import type { BundleOptions, Setting } from './options.js';
import { printable, quoted } from './quote.js';

const yesNo = (value: boolean) => (value ? 'yes' : 'no');
const derived = 'from the Tiny Core version and architecture';

/** What `--dry-run` calls each setting and how it shows the value (never the password). */
const ROWS: readonly (readonly [Setting, string, (o: BundleOptions) => string])[] = [
  ['flavour', 'flavour', (o) => o.image.flavour],
  ['builtinList', 'builtin list', (o) => o.builtinList],
  ['mirrorList', 'mirror list', (o) => o.mirrorList],
  ['tcPassword', 'tc password', () => '(not shown)'],
  ['passwdHash', 'password hash', (o) => (o.image.flavour === 'prod' ? '' : o.image.passwdHash)],
  ['era', 'era', (o) => (o.era === 'auto' ? 'auto (from the source tree)' : o.era)],
  ['source', 'source tree', (o) => o.source],
  ['out', 'output directory', (o) => o.out],
  ['cacheDir', 'download cache', (o) => o.cacheDir ?? '$XDG_CACHE_HOME/mkbundle or ~/.cache/mkbundle'],
  ['reusePrevDownloads', 'reuse downloads', (o) => yesNo(o.reusePrevDownloads)],
  ['tcVersion', 'Tiny Core version', (o) => o.tcVersion],
  ['arch', 'architecture', (o) => o.arch],
  ['urls.mirror', 'extension mirror', (o) => o.urls.mirror ?? derived],
  ['urls.iso', 'Core ISO', (o) => o.urls.iso ?? derived],
  ['urls.gemSource', 'gem server', (o) => o.urls.gemSource],
  ['urls.rubygems', 'RubyGems tarball', (o) => o.urls.rubygems],
  ['urls.mcollective', 'MCollective tarball', (o) => o.urls.mcollective],
  ['urls.openVmTools', 'open-vm-tools', (o) => o.urls.openVmTools ?? "the era's default"],
  ['debian.packageLists', 'Debian package lists', (o) => o.debian.packageLists.join(' ')],
  ['debian.mirror', 'Debian mirror', (o) => o.debian.mirror],
  ['jobs', 'parallel downloads', (o) => String(o.jobs)],
  ['followDeps', '.dep closure', (o) => yesNo(o.followDeps)],
];

/** A value as it is, unless it holds something that would not print on one line. */
const shown = (value: string) => (printable(value) ? value : quoted(value));

/** The `--dry-run` block that says what each setting is and where it came from. */
export function formatOrigins(options: BundleOptions): string {
  const rows = ROWS.flatMap(([setting, name, value]) => {
    const origin = options.origins[setting];
    return origin === undefined ? [] : [[name, shown(value(options)), origin] as const];
  });
  const width = Math.max(...rows.map(([name]) => name.length));
  const lines = rows.map(([name, value, origin]) => `  ${name.padEnd(width)}  ${value} [${origin}]`);
  return `settings:\n${lines.join('\n')}\n`;
}
