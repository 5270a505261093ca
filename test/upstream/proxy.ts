/**
 * DeadEndProxy: what `http_proxy`, `https_proxy` and `ftp_proxy` point at
 * while upstream's scripts run. Every request that would have left the
 * machine lands here, is logged and answered 404 (CONNECT too), so a
 * hard-coded internet URL in an upstream script fails loudly and visibly
 * instead of reaching the internet.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  readonly method: string;
  /** The absolute URL (or `host:port` for CONNECT) the client asked for. */
  readonly url: string;
}

export class DeadEndProxy {
  readonly requests: ProxiedRequest[] = [];

  private constructor(private readonly server: Server) {}

  static async start(): Promise<DeadEndProxy> {
    const server = createServer();
    const proxy = new DeadEndProxy(server);
    const body = Buffer.from('404 Not Found (mkbundle test: no internet)\n');
    server.on('request', (req, res) => {
      proxy.requests.push({ method: req.method ?? 'GET', url: req.url ?? '' });
      res.writeHead(404, { 'Content-Type': 'text/plain', 'Content-Length': body.length }).end(body);
    });
    server.on('connect', (req, socket) => {
      proxy.requests.push({ method: 'CONNECT', url: req.url ?? '' });
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  /** The proxy variables (both spellings) that route everything but loopback here. */
  env(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const name of ['http_proxy', 'https_proxy', 'ftp_proxy']) {
      env[name] = this.url;
      env[name.toUpperCase()] = this.url;
    }
    env.no_proxy = '127.0.0.1,localhost';
    env.NO_PROXY = env.no_proxy;
    return env;
  }

  async close(): Promise<void> {
    const closed = once(this.server, 'close');
    this.server.close();
    this.server.closeAllConnections();
    await closed;
  }
}
