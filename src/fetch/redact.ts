/**
 * URLs as they may be shown or stored. Credentials in a URL
 * (`http://user:pass@host/…`) stay in memory for the request itself; every
 * message, progress line, plan, manifest and cache index sees them redacted.
 *
 * The whole userinfo becomes `***`, the user name too: many servers take a
 * token as the user name (`https://TOKEN@host/`), so a user name is no safer
 * to print than a password. What remains says that credentials were sent.
 */

/** `scheme://` and the userinfo: the authority ends at the first `/ ? #` (or `\`, which http(s) reads as `/`). */
const USERINFO = /^([a-z][a-z\d+.-]*:\/\/)[^/?#\\]*@/i;

/** `http://user:pass@host/x` → `http://***@host/x`; a URL without credentials is returned as it is. */
export function redactUrl(url: string): string {
  return url.replace(USERINFO, '$1***@');
}

/** `http://user:pass@host/x` → `http://host/x`: the URL's identity, the same with and without credentials. */
export function withoutUserinfo(url: string): string {
  return url.replace(USERINFO, '$1');
}

export function hasUserinfo(url: string): boolean {
  return USERINFO.test(url);
}
