import type { HttpClient } from './http.js';
import { hasUserinfo, redactUrl } from './redact.js';

/**
 * The one place credentials live after the settings are read: an HTTP client
 * that knows the configured URLs with their credentials and sends each
 * request for a URL under one of them, as the plan names it (redacted,
 * `http://***@host/tcz/x.tcz`), with that URL's credentials. got turns them
 * into Basic auth and drops them on a redirect to another host.
 */
export function withCredentials(client: HttpClient, configured: readonly string[]): HttpClient {
  // Longest first, so a more specific URL's credentials win over its parent's.
  const bases = configured
    .filter(hasUserinfo)
    .map((real) => ({ shown: redactUrl(real), real }))
    .sort((a, b) => b.shown.length - a.shown.length);
  if (bases.length === 0) return client;
  const restore = (url: string): string => {
    const base = bases.find(({ shown }) => url.startsWith(shown) && /^(?:[/?#]|$)/.test(url.slice(shown.length)));
    return base === undefined ? url : base.real + url.slice(base.shown.length);
  };
  return { ...client, download: (url, dest, opts) => client.download(restore(url), dest, opts) };
}
