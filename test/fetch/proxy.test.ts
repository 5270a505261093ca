import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { proxyFor, proxySettings } from '../../src/fetch/proxy.js';

const route = (url: string, env: NodeJS.ProcessEnv) => proxyFor(new URL(url), proxySettings(env))?.href;
const P = 'http://proxy.lan:3128/';

describe('proxySettings and proxyFor', () => {
  it('sends http URLs to http_proxy and https URLs to https_proxy, and nothing without them', () => {
    const env = { http_proxy: 'http://plain:3128', https_proxy: 'http://tls:3129' };
    expect(route('http://repo.tinycorelinux.net/4.x/', env)).toBe('http://plain:3128/');
    expect(route('https://rubygems.org/gems/x.gem', env)).toBe('http://tls:3129/');
    expect(route('http://repo.tinycorelinux.net/', {})).toBeUndefined();
    expect(route('https://rubygems.org/', { http_proxy: P })).toBeUndefined();
  });

  it('reads the upper-case spellings, lets the lower-case one win, and falls back to all_proxy', () => {
    expect(route('http://a.example/', { HTTP_PROXY: P })).toBe(P);
    expect(route('http://a.example/', { HTTP_PROXY: 'http://upper:1/', http_proxy: P })).toBe(P);
    expect(route('https://a.example/', { ALL_PROXY: P })).toBe(P);
    expect(route('https://a.example/', { all_proxy: 'http://all:1', HTTPS_PROXY: P })).toBe(P);
    expect(route('http://a.example/', { http_proxy: '  ' })).toBeUndefined();
  });

  it('takes a bare host:port as an http proxy, and an https:// proxy as one', () => {
    expect(route('http://a.example/', { http_proxy: 'proxy.lan:3128' })).toBe(P);
    expect(route('http://a.example/', { http_proxy: 'https://proxy.lan:8443' })).toBe('https://proxy.lan:8443/');
  });

  it('refuses a proxy it cannot use, naming the variable, with credentials hidden', () => {
    const bad = (env: NodeJS.ProcessEnv) => () => proxySettings(env);
    expect(bad({ HTTPS_PROXY: 'socks5://u:pw@proxy:1080' })).toThrow(UsageError);
    expect(bad({ HTTPS_PROXY: 'socks5://u:pw@proxy:1080' })).toThrow(
      "HTTPS_PROXY: only http:// and https:// proxies are supported, got 'socks5://***@proxy:1080'",
    );
    expect(bad({ http_proxy: 'http://[oops' })).toThrow("http_proxy: not a proxy URL: 'http://[oops'");
  });

  it('reaches no_proxy hosts directly: names, domains, ports, addresses, blocks and *', () => {
    const via = (url: string, noProxy: string) => route(url, { http_proxy: P, https_proxy: P, NO_PROXY: noProxy });
    expect(via('http://mirror.example.org/x', 'example.org')).toBeUndefined();
    expect(via('http://example.org/x', '.example.org')).toBeUndefined();
    expect(via('http://deep.mirror.example.org/x', '*.example.org')).toBeUndefined();
    expect(via('http://MIRROR.Example.ORG./x', 'example.org')).toBeUndefined();
    expect(via('http://notexample.org/x', 'example.org')).toBe(P);
    expect(via('http://mirror.lan:8080/x', 'mirror.lan:8080')).toBeUndefined();
    expect(via('http://mirror.lan/x', 'mirror.lan:8080')).toBe(P);
    expect(via('https://mirror.lan/x', 'mirror.lan:443')).toBeUndefined();
    expect(via('http://127.0.0.1:9/x', '127.0.0.1')).toBeUndefined();
    expect(via('http://127.0.0.1:9/x', 'localhost')).toBe(P);
    expect(via('http://10.1.2.3/x', '10.0.0.0/8')).toBeUndefined();
    expect(via('http://11.1.2.3/x', '10.0.0.0/8')).toBe(P);
    expect(via('http://[::1]:9/x', '::1')).toBeUndefined();
    expect(via('http://[fd00::5]/x', 'fd00::/8')).toBeUndefined();
    expect(via('http://anything/x', 'a.lan, *')).toBeUndefined();
    expect(via('http://a.lan/x', 'b.lan,,\ta.lan')).toBeUndefined();
  });

  // Labels start with a letter: a name ending in a number would be read as an IPv4 address.
  const label = fc.stringMatching(/^[a-z]([a-z\d-]{0,8}[a-z\d])?$/);
  const domain = fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.'));

  it('property: a no_proxy domain covers itself and every name under it, in any spelling', () => {
    fc.assert(
      fc.property(domain, fc.array(label, { maxLength: 3 }), fc.constantFrom('', '.', '*.'), (d, sub, prefix) => {
        const host = [...sub, d].join('.');
        expect(route(`http://${host}/`, { http_proxy: P, no_proxy: `${prefix}${d.toUpperCase()}` })).toBeUndefined();
      }),
    );
  });

  it('property: a name that only ends with the no_proxy text, not at a dot, is proxied', () => {
    fc.assert(
      fc.property(domain, label, (d, glued) => {
        expect(route(`http://${glued}${d}/`, { http_proxy: P, no_proxy: d })).toBe(P);
      }),
    );
  });

  it('property: an IPv4 block bypasses exactly its addresses', () => {
    const ip = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255));
    fc.assert(
      fc.property(ip, ip, fc.integer({ min: 0, max: 32 }), (net, host, prefix) => {
        const toInt = (a: number[]) => a.reduce((n, b) => n * 256 + b, 0);
        const inside = Math.floor(toInt(net) / 2 ** (32 - prefix)) === Math.floor(toInt(host) / 2 ** (32 - prefix));
        const url = `http://${host.join('.')}/`;
        expect(route(url, { http_proxy: P, no_proxy: `${net.join('.')}/${prefix}` })).toBe(inside ? undefined : P);
      }),
    );
  });
});
