/**
 * Proxies from the environment, as curl and wget read them: `http_proxy`
 * for http URLs, `https_proxy` for https ones, `all_proxy` for either, each
 * also in upper case (the lower-case spelling wins), and `no_proxy` for the
 * hosts that are reached directly. Loopback is proxied like any host unless
 * `no_proxy` names it (curl's rule; Go's never proxies localhost).
 */
import { BlockList, isIP } from 'node:net';
import { quoted } from '../config/quote.js';
import { UsageError } from '../errors.js';
import { redactUrl } from './redact.js';

/** One `no_proxy` entry: a host or domain, an address, or a CIDR block; optionally with a port. */
type Rule =
  | { readonly kind: 'domain'; readonly name: string; readonly port?: number }
  | { readonly kind: 'address'; readonly block: BlockList; readonly port?: number };

export interface ProxySettings {
  readonly http?: URL;
  readonly https?: URL;
  /** `no_proxy` is `*`: nothing goes through a proxy. */
  readonly bypassAll: boolean;
  readonly rules: readonly Rule[];
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

function variable(env: NodeJS.ProcessEnv, name: string): { name: string; value: string } | undefined {
  for (const spelling of [name, name.toUpperCase()]) {
    const value = env[spelling]?.trim();
    if (value !== undefined && value !== '') return { name: spelling, value };
  }
  return undefined;
}

function proxyUrl(found: { name: string; value: string } | undefined): URL | undefined {
  if (found === undefined) return undefined;
  // curl's default: a bare host:port is an http proxy.
  const text = /^[a-z][a-z\d+.-]*:\/\//i.test(found.value) ? found.value : `http://${found.value}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${found.name}: not a proxy URL: ${quoted(redactUrl(found.value))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(
      `${found.name}: only http:// and https:// proxies are supported, got ${quoted(redactUrl(found.value))}`,
    );
  }
  return url;
}

/** `[::1]` and `::1` alike. */
function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function blockOf(address: string, prefix: number | undefined): BlockList | undefined {
  const family = isIP(address);
  if (family === 0) return undefined;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const bits = family === 4 ? 32 : 128;
  if (prefix !== undefined && (prefix < 0 || prefix > bits)) return undefined;
  const block = new BlockList();
  block.addSubnet(address, prefix ?? bits, type);
  return block;
}

function parseRule(entry: string): Rule | undefined {
  const cidr = /^(.+)\/(\d{1,3})$/.exec(entry);
  if (cidr !== null) {
    const block = blockOf(unbracket(cidr[1] as string), Number(cidr[2]));
    return block === undefined ? undefined : { kind: 'address', block };
  }
  const bare = blockOf(unbracket(entry), undefined);
  if (bare !== undefined) return { kind: 'address', block: bare };
  const withPort = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(entry);
  const host = withPort === null ? entry : (withPort[1] as string);
  const port = withPort === null ? undefined : Number(withPort[2]);
  const address = blockOf(unbracket(host), undefined);
  if (address !== undefined) return { kind: 'address', block: address, port };
  // `.example.com` and `*.example.com` mean the domain and everything under it, as `example.com` does.
  const name = host.replace(/^\*?\.+/, '').replace(/\.$/, '');
  return name === '' ? undefined : { kind: 'domain', name, port };
}

/** The proxy settings in `env`. A malformed proxy URL is a UsageError naming the variable. */
export function proxySettings(env: NodeJS.ProcessEnv): ProxySettings {
  const all = proxyUrl(variable(env, 'all_proxy'));
  const noProxy = (variable(env, 'no_proxy')?.value ?? '').toLowerCase();
  const entries = noProxy.split(/[,\s]+/).filter((entry) => entry !== '');
  return {
    http: proxyUrl(variable(env, 'http_proxy')) ?? all,
    https: proxyUrl(variable(env, 'https_proxy')) ?? all,
    bypassAll: entries.includes('*'),
    rules: entries.flatMap((entry) => parseRule(entry) ?? []),
  };
}

function matches(rule: Rule, host: string, port: number): boolean {
  if (rule.port !== undefined && rule.port !== port) return false;
  if (rule.kind === 'domain') return host === rule.name || host.endsWith(`.${rule.name}`);
  const family = isIP(host);
  return family !== 0 && rule.block.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

/** The proxy a request for `url` goes through, or undefined for a direct connection. */
export function proxyFor(url: URL, settings: ProxySettings): URL | undefined {
  const proxy = url.protocol === 'https:' ? settings.https : url.protocol === 'http:' ? settings.http : undefined;
  if (proxy === undefined || settings.bypassAll) return undefined;
  const host = unbracket(url.hostname.toLowerCase()).replace(/\.$/, '');
  const port = url.port === '' ? (DEFAULT_PORTS[url.protocol] ?? 0) : Number(url.port);
  return settings.rules.some((rule) => matches(rule, host, port)) ? undefined : proxy;
}
