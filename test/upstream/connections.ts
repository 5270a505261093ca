/**
 * Which network addresses a process tree tried to reach, from an
 * `strace -f -e trace=connect` log: the proof that a peer run stayed on
 * loopback, whatever its programs do with proxy variables.
 */

export interface Connection {
  readonly family: 'inet' | 'inet6';
  readonly address: string;
  readonly port: number;
  /** The strace line, for reports. */
  readonly line: string;
}

const INET = /sa_family=AF_INET, sin_port=htons\((\d+)\), sin_addr=inet_addr\("([^"]+)"\)/;
const INET6 = /sa_family=AF_INET6, sin6_port=htons\((\d+)\),.*?inet_pton\(AF_INET6, "([^"]+)"/;

/** The IP connections of a log; local sockets (AF_UNIX, AF_NETLINK) and AF_UNSPEC resets are not network traffic. */
export function parseConnections(log: string): Connection[] {
  const out: Connection[] = [];
  for (const line of log.split('\n')) {
    if (!/\bconnect\(/.test(line)) continue;
    const v4 = INET.exec(line);
    if (v4) {
      out.push({ family: 'inet', address: v4[2] ?? '', port: Number(v4[1]), line });
      continue;
    }
    const v6 = INET6.exec(line);
    if (v6) out.push({ family: 'inet6', address: v6[2] ?? '', port: Number(v6[1]), line });
    else if (/sa_family=AF_INET6?\b/.test(line)) throw new Error(`unparsed strace connect line: ${line}`);
  }
  return out;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** Connections to anything but `ports` on loopback. */
export function strayConnections(connections: readonly Connection[], ports: readonly number[]): Connection[] {
  return connections.filter((c) => !LOOPBACK.has(c.address) || !ports.includes(c.port));
}
