import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasUserinfo, redactUrl, withoutUserinfo } from '../../src/fetch/redact.js';

/** URLs as WHATWG URL writes them, with and without credentials that may hold any character. */
const urls = fc
  .record({
    scheme: fc.constantFrom('http', 'https'),
    user: fc.string({ maxLength: 12 }),
    password: fc.string({ maxLength: 12 }),
    host: fc.constantFrom('127.0.0.1', 'mirror.example', '[::1]', 'h:8080'),
    path: fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }),
    query: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
  })
  .map(({ scheme, user, password, host, path, query }) => {
    const url = new URL(`${scheme}://${host}/`);
    url.pathname = `/${path.map(encodeURIComponent).join('/')}`;
    if (query !== undefined) url.search = query;
    url.username = user;
    url.password = password;
    return url;
  });

describe('redactUrl', () => {
  it('shows credentials as *** and keeps everything else', () => {
    expect(redactUrl('http://user:s3cret@host:8080/tcz/x.tcz')).toBe('http://***@host:8080/tcz/x.tcz');
    expect(redactUrl('https://TOKEN@host/')).toBe('https://***@host/');
    expect(redactUrl('http://u:p@ss@host/')).toBe('http://***@host/');
    expect(redactUrl('http://host/a@b?c=d@e')).toBe('http://host/a@b?c=d@e');
    expect(redactUrl('http://host\\@evil/')).toBe('http://host\\@evil/');
    expect(redactUrl('not a url')).toBe('not a url');
  });

  it('property: no user name or password survives; host, path and query do; redacting twice changes nothing', () => {
    fc.assert(
      fc.property(urls, (url) => {
        const shown = new URL(redactUrl(url.href));
        const had = url.username !== '' || url.password !== '';
        expect(hasUserinfo(url.href)).toBe(had);
        expect([shown.username, shown.password]).toEqual(had ? ['***', ''] : ['', '']);
        expect([shown.host, shown.pathname, shown.search]).toEqual([url.host, url.pathname, url.search]);
        expect(redactUrl(redactUrl(url.href))).toBe(redactUrl(url.href));
      }),
    );
  });
});

describe('withoutUserinfo', () => {
  it('property: the URL with its credentials taken out, as URL would write it', () => {
    fc.assert(
      fc.property(urls, (url) => {
        const bare = new URL(url.href);
        bare.username = '';
        bare.password = '';
        expect(withoutUserinfo(url.href)).toBe(bare.href);
        expect(withoutUserinfo(redactUrl(url.href))).toBe(bare.href);
      }),
    );
  });
});
