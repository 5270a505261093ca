import { redactUrl } from '../fetch/redact.js';
import { formatSize } from '../fetch/size-limit.js';
import type { Era } from '../overlay/era.js';
import type { BundleOptions, Origin, Setting } from './options.js';
import { printable, quoted } from './quote.js';

const yesNo = (value: boolean) => (value ? 'yes' : 'no');
const shownUrl = (url: string | undefined) => (url === undefined ? undefined : redactUrl(url));
const derived = 'from the Tiny Core version and architecture';

/** What `--dry-run` calls each setting and how it shows the value (never the password, nor credentials in a URL). */
const ROWS: readonly (readonly [Setting, string, (o: BundleOptions) => string])[] = [
  ['flavour', 'flavour', (o) => o.image.flavour],
  ['builtinList', 'builtin list', (o) => o.builtinList],
  ['mirrorList', 'mirror list', (o) => o.mirrorList],
  ['tcPassword', 'tc password', () => '(not shown)'],
  ['passwdHash', 'password hash', (o) => (o.image.flavour === 'prod' ? '' : o.image.passwdHash)],
  ['authorizedKeys', 'tc SSH keys', (o) => (o.image.flavour === 'prod' ? '' : (o.image.authorizedKeys ?? 'none'))],
  ['era', 'era', (o) => (o.era === 'auto' ? 'auto (from the source tree)' : o.era)],
  ['source', 'source tree', (o) => o.source],
  ['out', 'output directory', (o) => o.out],
  ['cacheDir', 'download cache', (o) => o.cacheDir ?? '$XDG_CACHE_HOME/mkbundle or ~/.cache/mkbundle'],
  ['reusePrevDownloads', 'reuse downloads', (o) => yesNo(o.reusePrevDownloads)],
  ['offline', 'offline (cache only)', (o) => yesNo(o.offline)],
  ['lock', 'lockfile', (o) => o.lock],
  ['frozen', 'frozen (build the lock)', (o) => yesNo(o.frozen)],
  ['tcVersion', 'Tiny Core version', (o) => o.tcVersion],
  ['arch', 'architecture', (o) => o.arch],
  ['urls.mirror', 'extension mirror', (o) => o.urls.mirrors.map(redactUrl).join(' ') || derived],
  ['urls.iso', 'Core ISO', (o) => shownUrl(o.urls.iso) ?? derived],
  ['urls.gemSource', 'gem server', (o) => redactUrl(o.urls.gemSource)],
  ['urls.rubygems', 'RubyGems tarball', (o) => redactUrl(o.urls.rubygems)],
  ['urls.mcollective', 'MCollective tarball', (o) => redactUrl(o.urls.mcollective)],
  ['urls.openVmTools', 'open-vm-tools', (o) => shownUrl(o.urls.openVmTools) ?? "the era's default"],
  ['pins.iso', 'Core ISO sha256', (o) => o.pins.iso ?? 'none'],
  ['pins.rubygems', 'RubyGems sha256', (o) => o.pins.rubygems ?? 'none'],
  ['pins.mcollective', 'MCollective sha256', (o) => o.pins.mcollective ?? 'none'],
  ['pins.openVmTools', 'open-vm-tools sha256', (o) => o.pins.openVmTools ?? 'none'],
  ['debian.packageLists', 'Debian package lists', (o) => o.debian.packageLists.map(redactUrl).join(' ')],
  ['debian.mirror', 'Debian mirror', (o) => redactUrl(o.debian.mirror)],
  ['jobs', 'parallel downloads', (o) => String(o.jobs)],
  ['followDeps', '.dep closure', (o) => yesNo(o.followDeps)],
  ['limits.metadata', 'largest metadata file', (o) => formatSize(o.limits.metadata)],
  ['limits.index', 'largest index', (o) => formatSize(o.limits.index)],
  ['limits.payload', 'largest package or image', (o) => formatSize(o.limits.payload)],
];

/** Settings only one era's build uses: a 2013 tree fetches no MCollective. */
const ERA_ONLY: Partial<Record<Setting, Era>> = { 'urls.mcollective': '2012', 'pins.mcollective': '2012' };

/** A value as it is, unless it holds something that would not print on one line. */
const shown = (value: string) => (printable(value) ? value : quoted(value));

/** One setting as `--dry-run` shows it: its place in BundleOptions, its name on screen, its value, where it came from. */
export interface SettingRow {
  readonly setting: Setting;
  readonly name: string;
  readonly value: string;
  readonly origin: Origin;
}

/** What each setting of a build of an `era` tree is and where it came from. */
export function settingRows(options: BundleOptions, era: Era): SettingRow[] {
  return ROWS.flatMap(([setting, name, value]) => {
    const origin = options.origins[setting];
    const only = ERA_ONLY[setting];
    if (origin === undefined || (only !== undefined && only !== era)) return [];
    return [{ setting, name, value: value(options), origin }];
  });
}

/** The `--dry-run` block that says what each setting of a build of an `era` tree is and where it came from. */
export function formatOrigins(options: BundleOptions, era: Era): string {
  const rows = settingRows(options, era);
  const width = Math.max(...rows.map(({ name }) => name.length));
  const lines = rows.map(({ name, value, origin }) => `  ${name.padEnd(width)}  ${shown(value)} [${origin}]`);
  return `settings:\n${lines.join('\n')}\n`;
}
