import { quoted } from '../config/quote.js';
import { InputError } from '../errors.js';

/**
 * Gem::Version semantics (RubyGems' lib/rubygems/version.rb), without Ruby.
 * Numeric segments are bigints because RubyGems' `to_i` is arbitrary
 * precision and date-stamped versions overflow doubles.
 */
export type Segment = bigint | string;

export interface Version {
  /** The normalised text: whitespace stripped, `-` replaced by `.pre.`, empty → `0`. */
  readonly text: string;
  readonly segments: readonly Segment[];
  /** Segments without trailing zeros, trimmed separately in the release and prerelease parts. */
  readonly canonical: readonly Segment[];
  /** True when the text holds any letter. */
  readonly prerelease: boolean;
}

// RubyGems' ANCHORED_VERSION_PATTERN; Ruby's \s is ASCII whitespace only, and
// the atomic group accepts the same language as a plain one here.
export const WS = '[ \\t\\r\\n\\f\\v]';
export const VERSION_PATTERN = '[0-9]+(?:\\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?';
const ANCHORED = new RegExp(`^${WS}*(?:${VERSION_PATTERN})?${WS}*$`);
const TRIM = new RegExp(`^${WS}+|${WS}+$`, 'g');

export function isVersion(text: string): boolean {
  return ANCHORED.test(text);
}

export function parseVersion(text: string): Version {
  if (!isVersion(text)) throw new InputError(`malformed version ${quoted(text)}`);
  const stripped = text.replace(TRIM, '');
  return fromText(stripped === '' ? '0' : stripped.replaceAll('-', '.pre.'));
}

function fromText(text: string): Version {
  const segments = (text.match(/[0-9]+|[a-z]+/gi) ?? []).map((s): Segment => (/^[0-9]/.test(s) ? BigInt(s) : s));
  return { text, segments, canonical: canonicalOf(segments), prerelease: /[a-zA-Z]/.test(text) };
}

function fromSegments(segments: readonly Segment[]): Version {
  return fromText(segments.map(String).join('.'));
}

function canonicalOf(segments: readonly Segment[]): Segment[] {
  const firstString = segments.findIndex((s) => typeof s === 'string');
  const cut = firstString === -1 ? segments.length : firstString;
  return [...dropTrailingZeros(segments.slice(0, cut)), ...dropTrailingZeros(segments.slice(cut))];
}

function dropTrailingZeros(segments: readonly Segment[]): Segment[] {
  let end = segments.length;
  while (end > 0 && segments[end - 1] === 0n) end--;
  return segments.slice(0, end);
}

/** `<=>`: strings sort before numbers; missing segments count as 0. */
export function compareVersions(a: Version, b: Version): -1 | 0 | 1 {
  const length = Math.max(a.canonical.length, b.canonical.length);
  for (let i = 0; i < length; i++) {
    const l = a.canonical[i] ?? 0n;
    const r = b.canonical[i] ?? 0n;
    if (l === r) continue;
    if (typeof l !== typeof r) return typeof l === 'string' ? -1 : 1;
    return l < r ? -1 : 1;
  }
  return 0;
}

/** Ruby's `==` on versions: `1.0 == 1.0.0`. */
export function versionsEqual(a: Version, b: Version): boolean {
  return compareVersions(a, b) === 0;
}

/** The version with every segment from the first letter on removed: `1.0.0.rc1` → `1.0.0`. */
export function release(v: Version): Version {
  return v.prerelease ? fromSegments(releaseSegments(v)) : v;
}

/** The exclusive upper bound of `~> v`: `2.2` → `3`, `2.2.1` → `2.3`, `1` → `2`. */
export function bump(v: Version): Version {
  const numbers = releaseSegments(v);
  if (numbers.length > 1) numbers.pop();
  // A version always starts with a number, so `numbers` is never empty.
  const last = numbers.pop() ?? 0n;
  return fromSegments([...numbers, last + 1n]);
}

/** The segments before the first string; all numeric by construction. */
function releaseSegments(v: Version): bigint[] {
  const firstString = v.segments.findIndex((s) => typeof s === 'string');
  const head = v.segments.slice(0, firstString === -1 ? v.segments.length : firstString);
  return head.filter((s): s is bigint => typeof s === 'bigint');
}
