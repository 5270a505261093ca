/**
 * WorldServer: the loopback HTTP server every test talks to.
 *
 * Serves an in-memory map of path → body on 127.0.0.1 at a random port:
 *
 *   const server = await WorldServer.start(new Map([['/tcz/foo.tcz', bytes]]));
 *   fetch(`${server.url}/tcz/foo.tcz`);   // url has no trailing slash
 *   await server.close();
 *
 * Routes
 * - Keys are decoded URL paths starting with `/`; the query string is ignored.
 *   The map is copied at start; change content with `setRoute` / `deleteRoute`.
 * - GET and HEAD only (anything else: 405). Unknown paths: 404.
 * - Every 200 carries `Content-Length`, `ETag` (quoted sha256 prefix of the body)
 *   and `Last-Modified` (when the route was last set; strictly increasing per
 *   path, so a change within the same second still looks newer). Either can be
 *   switched off with `opts.validators` to mimic servers that send neither.
 * - `If-None-Match` (takes precedence) and `If-Modified-Since` are answered with 304.
 *
 * - With `opts.credentials`, every request must carry them as Basic auth; one
 *   without them (or with others) is answered 401 with `WWW-Authenticate`.
 * - `setLatency(ms)`: from then on every request waits that long before it is
 *   handled (a far server's round trip, for benches); 0 (the default) for none.
 *
 * Faults (per path, `fault(path, f)`; `times: N` = only the next N requests, then
 * normal; without `times` the fault stays until `clearFaults()`):
 * - `{ kind: 'status', status, retryAfter? }` answer 404 / 429 / 500 / 503 with a short body
 *                                  (and a `Retry-After` header, as given)
 * - `{ kind: 'slow', delayMs }`    wait before sending headers, then answer normally
 * - `{ kind: 'stall', afterBytes }` send headers and the first bytes, then hang
 * - `{ kind: 'truncate', bytes }`  declare the full Content-Length, send fewer, destroy the socket
 * - `{ kind: 'reset' }`            reset the connection before any response
 * - `{ kind: 'corrupt' }`          flip bytes in the body (same length, same headers)
 * - `{ kind: 'drip', bytes, everyMs }` send headers (full Content-Length), then the body `bytes` at a
 *                                  time every `everyMs`: a transfer that never stalls but barely moves
 * - `{ kind: 'oversize', bytes, chunked? }` answer with a body of `bytes` bytes (the route's body
 *                                  repeated) instead, announced by Content-Length unless `chunked`;
 *                                  made lazily as the client reads, so 600 MB cost no memory
 * - `{ kind: 'reason', status, reason }` answer `status` with the raw reason phrase `reason`
 *                                  (one byte per character, as latin1: ESC, BEL and C1 go out as
 *                                  they are; Node's own writeHead refuses them), no body, then close
 *
 * Request log: `requests` lists `{ method, path, status, conditional, headers, fault? }` in
 * arrival order (logged when the answer is decided, so timed-out requests count;
 * `status` is 0 for a reset). `count(pred?)`, `resetLog()`.
 */

import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, relative } from 'node:path';

export type Fault = (
  | { readonly kind: 'status'; readonly status: 404 | 429 | 500 | 503; readonly retryAfter?: string }
  | { readonly kind: 'slow'; readonly delayMs: number }
  | { readonly kind: 'stall'; readonly afterBytes: number }
  | { readonly kind: 'truncate'; readonly bytes: number }
  | { readonly kind: 'reset' }
  | { readonly kind: 'corrupt' }
  | { readonly kind: 'drip'; readonly bytes: number; readonly everyMs: number }
  | { readonly kind: 'oversize'; readonly bytes: number; readonly chunked?: boolean }
  | { readonly kind: 'reason'; readonly status: number; readonly reason: string }
) & { readonly times?: number };

export type FaultKind = Fault['kind'];

export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  /** Status sent (or about to be sent, for slow answers); 0 when the connection was reset. */
  readonly status: number;
  /** The request carried If-None-Match or If-Modified-Since. */
  readonly conditional: boolean;
  readonly headers: IncomingHttpHeaders;
  readonly fault?: FaultKind;
}

export interface WorldServerOptions {
  /** Which validators 200 answers carry (both by default). */
  readonly validators?: { readonly etag?: boolean; readonly lastModified?: boolean };
  /** Required as Basic auth on every request (a server behind a password). */
  readonly credentials?: { readonly user: string; readonly password: string };
  /**
   * Answer `Range: bytes=N-` with 206 (when `If-Range` is absent or matches)
   * and announce `Accept-Ranges: bytes`, as nginx and Apache do (default true).
   */
  readonly ranges?: boolean;
}

interface Route {
  readonly body: Buffer;
  readonly etag: string;
  /** Whole seconds since the epoch (HTTP dates have second resolution). */
  readonly modifiedSec: number;
}

interface ActiveFault {
  readonly fault: Fault;
  remaining: number;
}

export class WorldServer {
  readonly requests: LoggedRequest[] = [];
  private readonly routes = new Map<string, Route>();
  private readonly faults = new Map<string, ActiveFault>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly sendEtag: boolean;
  private readonly sendLastModified: boolean;
  private readonly authorization: string | undefined;
  private readonly ranges: boolean;
  private latencyMs = 0;

  private constructor(
    private readonly server: Server,
    opts: WorldServerOptions,
  ) {
    this.sendEtag = opts.validators?.etag ?? true;
    this.sendLastModified = opts.validators?.lastModified ?? true;
    this.ranges = opts.ranges ?? true;
    const { credentials } = opts;
    this.authorization =
      credentials && `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64')}`;
  }

  static async start(routes: ReadonlyMap<string, Buffer>, opts: WorldServerOptions = {}): Promise<WorldServer> {
    const server = createServer();
    const world = new WorldServer(server, opts);
    for (const [path, body] of routes) world.setRoute(path, body);
    server.on('request', (req, res) => {
      if (world.latencyMs === 0) world.handle(req, res);
      else world.later(world.latencyMs, () => world.handle(req, res));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return world;
  }

  /** Base URL, e.g. `http://127.0.0.1:40123` (no trailing slash). */
  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  setRoute(path: string, body: Buffer): void {
    const previous = this.routes.get(path);
    const now = Math.floor(Date.now() / 1000);
    this.routes.set(path, {
      body,
      etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`,
      modifiedSec: previous === undefined ? now : Math.max(now, previous.modifiedSec + 1),
    });
  }

  /** What `path` serves now, if anything: for a test that changes a file and puts it back. */
  body(path: string): Buffer | undefined {
    return this.routes.get(path)?.body;
  }

  /** Writes every route under `prefix` to `dir` (its path below the prefix): the server's files as a local mirror. */
  async writeTree(prefix: string, dir: string): Promise<number> {
    let written = 0;
    for (const [path, route] of this.routes) {
      if (!path.startsWith(`${prefix}/`)) continue;
      const file = join(dir, path.slice(prefix.length + 1));
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, route.body);
      written += 1;
    }
    return written;
  }

  deleteRoute(path: string): void {
    this.routes.delete(path);
  }

  /** Every request from now on waits `ms` before it is handled (and logged). */
  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  fault(path: string, fault: Fault): void {
    this.faults.set(path, { fault, remaining: fault.times ?? Number.POSITIVE_INFINITY });
  }

  clearFaults(): void {
    this.faults.clear();
  }

  count(predicate: (r: LoggedRequest) => boolean = () => true): number {
    return this.requests.filter(predicate).length;
  }

  resetLog(): void {
    this.requests.length = 0;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const closed = once(this.server, 'close');
    this.server.close();
    // Keep-alive, stalled and slow connections would otherwise hold close() open.
    this.server.closeAllConnections();
    await closed;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const method = req.method ?? 'GET';
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const { headers } = req;
    const conditional = headers['if-none-match'] !== undefined || headers['if-modified-since'] !== undefined;
    const log = (status: number, fault?: FaultKind): void => {
      this.requests.push({ method, path, status, conditional, headers, ...(fault !== undefined && { fault }) });
    };

    if (method !== 'GET' && method !== 'HEAD') {
      log(405);
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Length': 0 }).end();
      return;
    }
    if (this.authorization !== undefined && headers.authorization !== this.authorization) {
      log(401);
      res.setHeader('WWW-Authenticate', 'Basic realm="world"');
      sendText(res, 401, method);
      return;
    }
    const fault = this.takeFault(path);
    if (fault?.kind === 'reset') {
      log(0, 'reset');
      req.socket.resetAndDestroy();
      return;
    }
    if (fault?.kind === 'reason') {
      log(fault.status, 'reason');
      const head = `HTTP/1.1 ${fault.status} ${fault.reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`;
      req.socket.end(Buffer.from(head, 'latin1'));
      return;
    }
    if (fault?.kind === 'status') {
      log(fault.status, 'status');
      sendText(res, fault.status, method, fault.retryAfter);
      return;
    }
    const route = this.routes.get(path);
    if (route === undefined) {
      log(404, fault?.kind);
      sendText(res, 404, method);
      return;
    }
    const from = this.isNotModified(req, route) ? undefined : this.rangeStart(req, route);
    const status = this.isNotModified(req, route) ? 304 : from === undefined ? 200 : 206;
    log(status, fault?.kind);
    const respond = (): void => this.respond(res, method, route, status, fault, from);
    if (fault?.kind === 'slow') this.later(fault.delayMs, respond);
    else respond();
  }

  /** Where a 206 starts: `Range: bytes=N-` inside the body, for this very version (`If-Range`). */
  private rangeStart(req: IncomingMessage, route: Route): number | undefined {
    const match = this.ranges ? /^bytes=(\d+)-$/.exec(req.headers.range ?? '') : null;
    if (match === null) return undefined;
    const ifRange = req.headers['if-range'];
    if (ifRange !== undefined && ifRange !== route.etag && ifRange !== lastModified(route)) return undefined;
    const from = Number(match[1]);
    return from > 0 && from < route.body.length ? from : undefined;
  }

  private respond(
    res: ServerResponse,
    method: string,
    route: Route,
    status: 200 | 206 | 304,
    fault: Fault | undefined,
    from: number | undefined,
  ): void {
    const headers: Record<string, string | number> = {};
    if (this.sendEtag) headers.ETag = route.etag;
    if (this.sendLastModified) headers['Last-Modified'] = lastModified(route);
    if (status === 304) {
      res.writeHead(304, headers).end();
      return;
    }
    headers['Content-Type'] = 'application/octet-stream';
    if (this.ranges) headers['Accept-Ranges'] = 'bytes';
    const body = from === undefined ? route.body : route.body.subarray(from);
    if (from !== undefined) headers['Content-Range'] = `bytes ${from}-${route.body.length - 1}/${route.body.length}`;
    if (fault?.kind !== 'oversize') headers['Content-Length'] = body.length;
    else if (!fault.chunked) headers['Content-Length'] = fault.bytes;
    res.writeHead(status, headers);
    if (method === 'HEAD') {
      res.end();
      return;
    }
    switch (fault?.kind) {
      case 'stall':
        // Headers and the first bytes go out; the response never ends (close() destroys it).
        res.write(body.subarray(0, fault.afterBytes));
        return;
      case 'truncate':
        res.write(body.subarray(0, fault.bytes), () => res.destroy());
        return;
      case 'corrupt':
        res.end(corrupt(body));
        return;
      case 'drip':
        this.drip(res, body, fault.bytes, fault.everyMs);
        return;
      case 'oversize':
        pump(res, repeated(body.length > 0 ? body : Buffer.from('x')), fault.bytes);
        return;
      default:
        res.end(body);
    }
  }

  private isNotModified(req: IncomingMessage, route: Route): boolean {
    const inm = req.headers['if-none-match'];
    if (inm !== undefined) {
      if (!this.sendEtag) return false;
      const tags = inm.split(',').map((t) => t.trim().replace(/^W\//, ''));
      return tags.includes('*') || tags.includes(route.etag);
    }
    const ims = req.headers['if-modified-since'];
    if (ims === undefined || !this.sendLastModified) return false;
    const since = Date.parse(ims);
    return !Number.isNaN(since) && route.modifiedSec * 1000 <= since;
  }

  private takeFault(path: string): Fault | undefined {
    const active = this.faults.get(path);
    if (active === undefined) return undefined;
    active.remaining -= 1;
    if (active.remaining <= 0) this.faults.delete(path);
    return active.fault;
  }

  /** `body`, `bytes` at a time every `everyMs`, until it is all sent or the client goes. */
  private drip(res: ServerResponse, body: Buffer, bytes: number, everyMs: number): void {
    let sent = 0;
    const timer = setInterval(() => {
      if (res.destroyed) return stop();
      res.write(body.subarray(sent, sent + bytes));
      sent += bytes;
      if (sent >= body.length) {
        res.end();
        stop();
      }
    }, everyMs);
    const stop = (): void => {
      clearInterval(timer);
      this.timers.delete(timer);
    };
    this.timers.add(timer);
    res.once('close', stop);
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }
}

function lastModified(route: Route): string {
  return new Date(route.modifiedSec * 1000).toUTCString();
}

function sendText(res: ServerResponse, status: number, method: string, retryAfter?: string): void {
  const body = Buffer.from(`${status} ${STATUS_CODES[status] ?? ''}\n`);
  const headers = { 'Content-Type': 'text/plain', 'Content-Length': body.length };
  res.writeHead(status, retryAfter === undefined ? headers : { ...headers, 'Retry-After': retryAfter });
  res.end(method === 'HEAD' ? undefined : body);
}

/** `unit` over and over, in a block of about 64 KiB that holds it a whole number of times. */
function repeated(unit: Buffer): Buffer {
  return Buffer.alloc(unit.length * Math.ceil((64 * 1024) / unit.length), unit);
}

/** `total` bytes of `block` over and over, written only as fast as the client reads them. */
function pump(res: ServerResponse, block: Buffer, total: number): void {
  let left = total;
  const more = (): void => {
    while (left > 0 && !res.destroyed) {
      const chunk = left >= block.length ? block : block.subarray(0, left);
      left -= chunk.length;
      if (!res.write(chunk)) {
        res.once('drain', more);
        return;
      }
    }
    if (left === 0) res.end();
  };
  more();
}

/** Same length, different bytes: every 64th byte inverted, from the first. */
function corrupt(body: Buffer): Buffer {
  const out = Buffer.from(body);
  for (let i = 0; i < out.length; i += 64) out[i] = (out[i] ?? 0) ^ 0xff;
  return out;
}

/** Every file under `dir`, relative, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/** The files of a directory as WorldServer routes (`/RELATIVE/PATH`). */
export async function routesOfDir(dir: string): Promise<Map<string, Buffer>> {
  const routes = new Map<string, Buffer>();
  for (const path of await listFiles(dir)) routes.set(`/${path}`, await readFile(join(dir, path)));
  return routes;
}
