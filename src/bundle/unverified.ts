import { quoted } from '../config/quote.js';
import type { Input } from './fetcher.js';

/** How many URLs the warning names before "and N more". */
const NAMED = 3;

/** What would have checked an unverified input. */
export interface Remedy {
  /** The `--*-sha256` pin of each pinnable download, by its URL as inputs record it. */
  readonly pins: ReadonlyMap<string, string>;
  /** Why the gems could not be checked, when a legacy gem index is the cause. */
  readonly gems: string | undefined;
}

/**
 * The one warning about the inputs nothing checked, or undefined when
 * every payload was: how many, the first few by URL, and what would check
 * them (the pins of those that can be pinned, and the legacy gem index).
 */
export function unverifiedWarning(inputs: readonly Input[], remedy: Remedy): string | undefined {
  const unverified = inputs.filter((input) => input.verified === 'unverified');
  if (unverified.length === 0) return undefined;
  const named = unverified.slice(0, NAMED).map((input) => quoted(input.url));
  const more = unverified.length - named.length;
  const list = more > 0 ? `${named.join(', ')} and ${more} more` : named.join(', ');
  const flags = [...new Set(unverified.flatMap((input) => remedy.pins.get(input.url) ?? []))];
  const hints = [
    ...(flags.length > 0 ? [`pin with ${flags.join(', ')}`] : []),
    ...(remedy.gems === undefined ? [] : [remedy.gems]),
  ];
  const count = unverified.length === 1 ? '1 input' : `${unverified.length} inputs`;
  return [`${count} not verified against any checksum: ${list}`, ...hints].join('; ');
}
