import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../errors.js';
import { redactUrl } from '../fetch/redact.js';
import { printable, quoted } from './quote.js';

const SCHEME = /^[a-z][a-z\d+.-]*:/i;

/**
 * Where an input comes from: an http(s) URL, a `file:` URL, or a path on
 * disk (made a `file:` URL, relative to the current directory), without
 * trailing slashes. Anything else is a UsageError naming the setting.
 */
export function sourceUrl(value: string, what: string): string {
  if (!printable(value))
    throw new UsageError(`${what}: not a URL (unprintable characters): ${quoted(redactUrl(value))}`);
  if (value !== '' && !SCHEME.test(value)) return pathToFileURL(resolve(value)).href.replace(/\/+$/, '');
  if (!value.toLowerCase().startsWith('file:')) return httpUrl(value, what);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${what}: not a URL: ${quoted(value)}`);
  }
  if (url.host !== '' && url.host !== 'localhost') {
    throw new UsageError(`${what}: a file: URL names this machine's files (file:///PATH), got ${quoted(value)}`);
  }
  return `file://${url.pathname}`.replace(/\/+$/, '');
}

/** An http(s) URL without trailing slashes; anything else is a UsageError naming the setting. */
function httpUrl(value: string, what: string): string {
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
    throw new UsageError(
      `${what}: only http, https and file URLs or a local path are supported: ${quoted(redactUrl(value))}`,
    );
  }
  return value.replace(/\/+$/, '');
}
