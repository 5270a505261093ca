import type { DownloadKind } from '../fetch/size-limit.js';
import { type IndexEntry, parseInfo } from './compact-index.js';

/** The network face of a gem server, over injected I/O. */

/** Fetches a URL as text; rejects with a FetchError naming the URL. */
export type FetchText = (url: string) => Promise<string>;

/** Fetches a URL's bytes, held to the size limit of its kind; rejects with a FetchError naming the URL. */
export type FetchBytes = (url: string, kind: DownloadKind) => Promise<Uint8Array>;

/** One version of a gem on one platform, whichever kind of index it came from. */
export interface GemEntry extends IndexEntry {
  /**
   * True when the source's index carries no checksums at all (the legacy
   * Marshal index): the `.gem` is fetched without one. A compact index entry
   * without a checksum is not unverified, it is refused.
   */
  readonly unverified: boolean;
}

export interface GemSource {
  readonly kind: 'compact-index' | 'legacy-index';
  /** The index URL that describes `name`, for messages. */
  indexUrl(name: string): string;
  gemUrl(file: string): string;
  /** Every version of `name` on every platform, with its runtime dependencies. */
  entries(name: string): Promise<GemEntry[]>;
}

export function compactIndexSource(baseUrl: string, fetchText: FetchText): GemSource {
  const base = baseUrl.replace(/\/+$/, '');
  const indexUrl = (name: string): string => `${base}/info/${name}`;
  return {
    kind: 'compact-index',
    indexUrl,
    gemUrl: (file) => `${base}/gems/${file}`,
    entries: async (name) =>
      parseInfo(await fetchText(indexUrl(name)), indexUrl(name)).map((entry) => ({ ...entry, unverified: false })),
  };
}
