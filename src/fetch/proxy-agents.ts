import type { Agents } from 'got';
import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { type ProxySettings, proxyFor } from './proxy.js';

export interface Route {
  /** For got's `agent` option: undefined for a direct connection. */
  readonly agent: Agents | undefined;
  readonly proxy: URL | undefined;
}

/**
 * One keep-alive agent per proxy and scheme: http URLs are sent to the proxy
 * as absolute-URI requests (a proxy such as squid refuses CONNECT to port 80
 * by default), https URLs through a CONNECT tunnel.
 */
export class ProxyRoutes {
  readonly #agents = new Map<string, Agents>();

  constructor(readonly settings: ProxySettings) {}

  for(url: string): Route {
    const target = new URL(url);
    const proxy = proxyFor(target, this.settings);
    if (proxy === undefined) return { agent: undefined, proxy };
    const key = `${target.protocol} ${proxy.href}`;
    let agent = this.#agents.get(key);
    if (agent === undefined) {
      agent =
        target.protocol === 'https:'
          ? { https: new HttpsProxyAgent(proxy, { keepAlive: true }) }
          : { http: new HttpProxyAgent(proxy, { keepAlive: true }) };
      this.#agents.set(key, agent);
    }
    return { agent, proxy };
  }
}
