import { UsageError } from '../errors.js';
import { redactUrl } from '../fetch/redact.js';
import { printable, quoted } from './quote.js';

/** An http(s) URL without trailing slashes; anything else is a UsageError naming the setting. */
export function httpUrl(value: string, what: string): string {
  // The URL parser would take controls and bidi marks in a path, and they would reach every message naming it.
  if (!printable(value))
    throw new UsageError(`${what}: not a URL (unprintable characters): ${quoted(redactUrl(value))}`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${what}: not a URL: ${quoted(redactUrl(value))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${what}: only http and https URLs are supported: ${quoted(redactUrl(value))}`);
  }
  return value.replace(/\/+$/, '');
}
