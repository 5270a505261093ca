/**
 * CountingProxy: a forward proxy on 127.0.0.1 for the proxy tests. It
 * forwards absolute-URI requests (`GET http://host/path`) to loopback
 * targets, answers CONNECT by tunnelling to loopback targets (403 for any
 * other host), and logs every request it sees. With `refuse`, every request
 * gets 407 Proxy Authentication Required.
 */
import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';

export interface ProxiedRequest {
  readonly method: string;
  /** The absolute URI of a forwarded request, or `host:port` of a CONNECT. */
  readonly target: string;
  readonly authorization: string | undefined;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export class CountingProxy {
  readonly requests: ProxiedRequest[] = [];
  readonly #sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private readonly refuse: boolean,
  ) {}

  static async start(options: { refuse?: boolean } = {}): Promise<CountingProxy> {
    const server = createServer();
    const proxy = new CountingProxy(server, options.refuse ?? false);
    server.on('connection', (socket) => {
      proxy.#sockets.add(socket);
      socket.once('close', () => proxy.#sockets.delete(socket));
    });
    server.on('request', (req, res) => proxy.forward(req, res));
    server.on('connect', (req, socket: Socket, head: Buffer) => proxy.tunnel(req, socket, head));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private log(req: IncomingMessage): void {
    const authorization = req.headers['proxy-authorization'];
    this.requests.push({ method: req.method ?? '', target: req.url ?? '', authorization });
  }

  private forward(req: IncomingMessage, res: import('node:http').ServerResponse): void {
    this.log(req);
    if (this.refuse) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test"' }).end();
      return;
    }
    const target = new URL(req.url ?? '');
    if (!LOOPBACK.has(target.hostname)) {
      res.writeHead(403).end();
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = httpRequest(target, { method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }

  private tunnel(req: IncomingMessage, socket: Socket, head: Buffer): void {
    this.log(req);
    const [host, port] = (req.url ?? '').split(/:(?=\d+$)/);
    if (this.refuse || host === undefined || !LOOPBACK.has(host)) {
      socket.end(`HTTP/1.1 ${this.refuse ? '407 Proxy Authentication Required' : '403 Forbidden'}\r\n\r\n`);
      return;
    }
    const upstream = connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  }

  /** The variables that send http and https through this proxy. */
  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return { http_proxy: this.url, https_proxy: this.url, ...extra };
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    this.server.close();
    await once(this.server, 'close');
  }
}
