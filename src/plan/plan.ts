import type { Flavour } from '../config/flavour.js';
import type { BundleOptions, Image } from '../config/options.js';
import { UsageError } from '../errors.js';
import { redactUrl } from '../fetch/redact.js';
import { type Era, OPEN_VM_TOOLS_URL } from '../overlay/era.js';
import type { TreeLayout } from '../overlay/profile.js';
import type { ListEntry } from '../tce/list.js';
import { type ExtensionFile, isoMd5Url, resolveMirror, type TcMirror, tczSubpath } from '../tce/mirror.js';

/** A `NAME.deb` list entry: the Debian package and the `.tcz` made from it. */
export interface DebPackage {
  readonly package: string;
  readonly name: string;
}

/** The extensions of one list and where their files land in the overlay. */
export interface ExtensionSet {
  readonly list: 'builtin' | 'mirror';
  /** Requested `.tcz` names, in list order. */
  readonly names: readonly string[];
  /** Debian packages made into `.tcz` files in `dir`, in list order. */
  readonly debs: readonly DebPackage[];
  readonly dir: string;
  /** Files fetched for every extension of the set, and for each of its deps. */
  readonly files: readonly ExtensionFile[];
}

export interface TarballDownload {
  readonly url: string;
  readonly file: string;
  /** Its pin (`--*-sha256`): checked before the cache stores it. */
  readonly sha256?: string;
}

/** What the tree's era adds: MCollective for 2012 (unpacked under `usr/local/tce.installed/` as `dir`). */
export type TreePlan =
  | { readonly era: '2012'; readonly mcollective: TarballDownload & { readonly dir: string } }
  | { readonly era: '2013' };

export interface BuildPlan {
  readonly image: Image;
  /** The two lists as given, one entry a line as written (`NAME.tcz`, `PACKAGE.deb`): what a lockfile is for. */
  readonly lists: { readonly builtin: readonly string[]; readonly mirror: readonly string[] };
  readonly tree: TreePlan;
  readonly flavour: Flavour;
  readonly mirror: TcMirror;
  readonly builtin: ExtensionSet;
  /** tmp/builtin/onboot.lst: the builtin list's order, `.deb` entries as their `.tcz`. */
  readonly onboot: readonly string[];
  readonly mirrorSet: ExtensionSet;
  /** Where `.deb` entries come from; fetched only when a list has one. */
  readonly debian: BundleOptions['debian'];
  /** Builtin names a prod bundle leaves out, with the reason. */
  readonly excluded: readonly string[];
  readonly followDeps: boolean;
  /** The Core ISO, stored at the bundle's top level under its own name. */
  readonly coreIso: TarballDownload;
  /** The RubyGems tarball, stored in the overlay's `opt/`. */
  readonly rubygems: TarballDownload;
  readonly utilLinux: { readonly name: 'util-linux.tcz'; readonly paths: readonly string[] };
  /** Both eras' scripts fetched it, each from its own default URL. */
  readonly openVmTools: TarballDownload;
  readonly gemSource: string;
  readonly symlinks: readonly { readonly path: string; readonly target: string }[];
  readonly bundleFile: string;
}

/** Extensions a prod image never carries: the seed left out openssh. */
export const PROD_EXCLUDED = ['openssh.tcz'] as const;

export { OVERLAY_NAME } from '../overlay/era.js';

export function bundleFileName(flavour: Flavour): string {
  return `razor-microkernel-bundle-${flavour}.tar.gz`;
}

function lastSegment(url: string): string {
  const path = new URL(url).pathname;
  const file = decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
  if (file === '' || file === '.' || file === '..' || file.includes('/')) {
    throw new UsageError(`${url}: the URL does not end in a file name`);
  }
  return file;
}

/** `mcollective-2.0.0.tgz` → `mcollective-2.0.0`: the directory the tarball unpacks to. */
export function tarballDir(file: string, url: string): string {
  const match = /^(.+?)\.(?:tgz|tar\.gz)$/.exec(file);
  if (!match?.[1]) throw new UsageError(`${url}: expected a .tgz or .tar.gz file`);
  return match[1];
}

export interface PlanInputs {
  readonly builtin: readonly ListEntry[];
  readonly mirror: readonly ListEntry[];
  /** Paths to take out of util-linux.tcz (util-linux-exec.lst). */
  readonly utilLinuxPaths: readonly string[];
  /** The source tree's era, detected or given. */
  readonly era: Era;
}

/** A download's pin, where one is given. */
const pinned = (sha256: string | undefined) => (sha256 === undefined ? {} : { sha256 });

function treePlan(era: Era, mcollectiveUrl: string, pin: string | undefined): TreePlan {
  if (era === '2013') return { era };
  const file = lastSegment(mcollectiveUrl);
  return { era, mcollective: { url: mcollectiveUrl, file, dir: tarballDir(file, mcollectiveUrl), ...pinned(pin) } };
}

/** The profile's view of the tree plan. */
export function treeLayout(tree: TreePlan): TreeLayout {
  return tree.era === '2012' ? { era: '2012', mcollectiveDir: tree.mcollective.dir } : { era: '2013' };
}

/** Where the resolved `.gem` files land: beside gem.list (2012) or in the internal gem mirror (2013). */
export function gemDir(tree: TreePlan): string {
  return tree.era === '2012' ? 'opt/gems' : `${GEM_MIRROR}/gems`;
}

/** The 2013 Microkernel's gem mirror, served at boot as http://localhost:2158/gem-mirror/. */
export const GEM_MIRROR = 'tmp/gem-mirror';

const DMIDECODE_LINK = { path: 'usr/sbin/dmidecode', target: '/usr/local/sbin/dmidecode' };

function symlinksFor(tree: TreePlan): BuildPlan['symlinks'] {
  if (tree.era === '2013') return [DMIDECODE_LINK];
  return [
    { path: 'usr/local/mcollective', target: `/usr/local/tce.installed/${tree.mcollective.dir}` },
    { path: 'usr/local/bin/mcollectived', target: '/usr/local/mcollective/bin/mcollectived' },
    DMIDECODE_LINK,
  ];
}

const entryText = (entry: ListEntry): string => (entry.kind === 'deb' ? `${entry.package}.deb` : entry.name);

const tczNames = (entries: readonly ListEntry[]): string[] =>
  entries.filter((e) => e.kind === 'tcz').map((e) => e.name);

const debPackages = (entries: readonly ListEntry[]): DebPackage[] =>
  entries.flatMap((e) => (e.kind === 'deb' ? [{ package: e.package, name: e.name }] : []));

/**
 * Every URL the settings give, credentials included: for the HTTP client
 * only (fetch/credentials.ts), never shown.
 */
export function configuredUrls(options: BundleOptions): string[] {
  const { mirrors, iso, gemSource, rubygems, mcollective, openVmTools } = options.urls;
  return [
    ...mirrors,
    iso,
    // Fetched beside the ISO with its credentials, though not under it.
    iso === undefined ? undefined : isoMd5Url(iso),
    gemSource,
    rubygems,
    mcollective,
    openVmTools,
    ...options.debian.packageLists,
    options.debian.mirror,
  ].filter((url) => url !== undefined);
}

const shown = (url: string | undefined): string | undefined => (url === undefined ? undefined : redactUrl(url));

/**
 * Everything the bundle stage will fetch and where it lands; no I/O. The
 * plan names URLs redacted (`http://***@host/…`), as every message,
 * progress line and bundle.json shows them.
 */
export function makePlan(options: BundleOptions, inputs: PlanInputs): BuildPlan {
  const mirror = resolveMirror({
    tcVersion: options.tcVersion,
    arch: options.arch,
    mirror: shown(options.urls.mirrors[0]),
    fallbacks: options.urls.mirrors.slice(1).map(redactUrl),
    isoUrl: shown(options.urls.iso),
  });
  const flavour = options.image.flavour;
  const kept = inputs.builtin.filter(
    (e) => !(flavour === 'prod' && e.kind === 'tcz' && (PROD_EXCLUDED as readonly string[]).includes(e.name)),
  );
  const excluded = inputs.builtin.filter((e) => !kept.includes(e)).map((e) => e.name);
  const { pins } = options;
  const tree = treePlan(inputs.era, redactUrl(options.urls.mcollective), pins.mcollective);
  return {
    image: options.image,
    lists: { builtin: inputs.builtin.map(entryText), mirror: inputs.mirror.map(entryText) },
    tree,
    flavour,
    mirror,
    builtin: {
      list: 'builtin',
      names: tczNames(kept),
      debs: debPackages(kept),
      dir: 'tmp/builtin/optional',
      files: ['tcz', 'md5.txt', 'dep'],
    },
    onboot: kept.map((e) => e.name),
    mirrorSet: {
      list: 'mirror',
      names: tczNames(inputs.mirror),
      debs: debPackages(inputs.mirror),
      dir: `tmp/tinycorelinux/${tczSubpath(mirror.tcVersion, mirror.arch)}`,
      files: ['tcz', 'md5.txt', 'info', 'list', 'dep'],
    },
    excluded,
    debian: { packageLists: options.debian.packageLists.map(redactUrl), mirror: redactUrl(options.debian.mirror) },
    followDeps: options.followDeps,
    coreIso: { url: mirror.isoUrl, file: lastSegment(mirror.isoUrl), ...pinned(pins.iso) },
    rubygems: {
      url: redactUrl(options.urls.rubygems),
      file: lastSegment(redactUrl(options.urls.rubygems)),
      ...pinned(pins.rubygems),
    },
    utilLinux: { name: 'util-linux.tcz', paths: inputs.utilLinuxPaths },
    openVmTools: {
      url: shown(options.urls.openVmTools) ?? OPEN_VM_TOOLS_URL[inputs.era],
      file: 'mk-open-vm-tools.tar.gz',
      ...pinned(pins.openVmTools),
    },
    gemSource: redactUrl(options.urls.gemSource),
    symlinks: symlinksFor(tree),
    bundleFile: bundleFileName(flavour),
  };
}
