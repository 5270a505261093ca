import type { Digests } from './digest.js';
import type { Validators } from './http.js';

/** What the cache last learned about a URL: its content (a blob) ... */
export interface PresentEntry extends Digests, Validators {
  readonly url: string;
  readonly fetchedAt: string;
  readonly absent?: undefined;
}

/** ... or that it answered 404, so `-r` can say "absent" without asking again. */
export interface AbsentEntry {
  readonly url: string;
  readonly absent: true;
  readonly fetchedAt: string;
}

export type IndexEntry = PresentEntry | AbsentEntry;

const HEX64 = /^[0-9a-f]{64}$/;
const HEX32 = /^[0-9a-f]{32}$/;

/**
 * Parses an index file; anything malformed, or recorded for another URL,
 * is `undefined` (treated as "not cached", never trusted).
 */
export function parseIndexEntry(text: string, url: string): IndexEntry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(value) || value.url !== url || typeof value.fetchedAt !== 'string') return undefined;
  const { fetchedAt } = value;
  if (value.absent === true) return { url, absent: true, fetchedAt };
  const { sha256, md5, size, etag, lastModified } = value;
  if (typeof sha256 !== 'string' || !HEX64.test(sha256)) return undefined;
  if (typeof md5 !== 'string' || !HEX32.test(md5)) return undefined;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) return undefined;
  if (!isOptionalString(etag) || !isOptionalString(lastModified)) return undefined;
  return {
    url,
    sha256,
    md5,
    size,
    ...(etag !== undefined && { etag }),
    ...(lastModified !== undefined && { lastModified }),
    fetchedAt,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isOptionalString(value: unknown): value is string | undefined {
  return value === undefined || typeof value === 'string';
}
