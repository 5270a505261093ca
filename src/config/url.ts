import { UsageError } from '../errors.js';
import { redactUrl } from '../fetch/redact.js';

/** An http(s) URL without trailing slashes; anything else is a UsageError naming the setting. */
export function httpUrl(value: string, what: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${what}: not a URL: '${redactUrl(value)}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${what}: only http and https URLs are supported: '${redactUrl(value)}'`);
  }
  return value.replace(/\/+$/, '');
}
