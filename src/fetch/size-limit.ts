/**
 * How large a download may get, by what it is. Every request names its
 * kind; the HTTP client stops a body as soon as it passes the kind's limit
 * (or announces a Content-Length over it), and the cache does not use an
 * entry over it.
 *
 * - metadata: small text read whole into memory: `.md5.txt`, `.dep`,
 *   `.info`, `.list`, a compact index's `info/NAME`, a legacy index's
 *   `quick/…gemspec.rz`. 16 MiB: a `.list` of an icon theme's ~100k paths
 *   is a few MiB, the rest are kilobytes.
 * - index: package and gem indexes, streamed: Debian `Packages` (bookworm's
 *   main/binary-amd64 is 50 MB plain, 12 MB gzipped), a compact index's
 *   `versions` and a legacy `specs.4.8.gz` (tens of MB for rubygems.org).
 * - payload: `.tcz`, `.deb`, `.gem`, tarballs and the Core ISO, streamed
 *   to disk. 1 GiB: 99.9% of bookworm's `.deb`s are under 170 MB, and all
 *   but four data and documentation packages under 1 GiB.
 */
export const DOWNLOAD_KINDS = ['metadata', 'index', 'payload'] as const;
export type DownloadKind = (typeof DOWNLOAD_KINDS)[number];

export type SizeLimits = Readonly<Record<DownloadKind, number>>;

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

export const DEFAULT_SIZE_LIMITS: SizeLimits = { metadata: 16 * MiB, index: 256 * MiB, payload: GiB };

/** The limit one request is held to. */
export interface SizeLimit {
  readonly kind: DownloadKind;
  readonly bytes: number;
}

/** How messages name the files of each kind. */
export const KIND_TEXT: Readonly<Record<DownloadKind, string>> = {
  metadata: 'metadata files',
  index: 'package and gem indexes',
  payload: 'packages and images',
};

/** The command-line option that sets a kind's limit. */
export function limitFlag(kind: DownloadKind): `--max-${DownloadKind}-size` {
  return `--max-${kind}-size`;
}

const UNITS: readonly (readonly [string, number])[] = [
  ['GiB', GiB],
  ['MiB', MiB],
  ['KiB', KiB],
];

/** `16 MiB`, `1.5 KiB`, `300 B`: exact for whole units, else to one decimal. */
export function formatSize(bytes: number): string {
  for (const [name, unit] of UNITS) {
    if (bytes < unit) continue;
    const value = bytes / unit;
    return `${Number.isInteger(value) ? value : value.toFixed(1)} ${name}`;
  }
  return `${bytes} B`;
}
