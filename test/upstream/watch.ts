/**
 * Runs a peer (upstream's script, or mkbundle's CLI beside it) the way
 * both must be judged: under `strace -f -e trace=connect`, with every
 * proxy variable pointing at a DeadEndProxy, so the result says what it
 * tried to reach besides the loopback world.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { type Connection, parseConnections, strayConnections } from './connections.js';
import { DeadEndProxy, type ProxiedRequest } from './proxy.js';

export interface WatchedRun {
  readonly exitCode: number;
  /** stdout and stderr, interleaved. */
  readonly output: string;
  readonly connections: readonly Connection[];
  /** Requests for the internet, caught by the proxy. */
  readonly proxied: readonly ProxiedRequest[];
  /** Connections to anything but the world and the proxy: must be none. */
  readonly stray: readonly Connection[];
}

export interface WatchOptions {
  readonly cwd: string;
  /** The whole environment (nothing is inherited); the proxy variables are added. */
  readonly env: Readonly<Record<string, string>>;
  /** Where the strace and output logs go. */
  readonly logDir: string;
  /** Ports on 127.0.0.1 the run may use besides the proxy's (the world server's). */
  readonly allowedPorts: readonly number[];
}

export async function watchedRun(command: string, args: readonly string[], options: WatchOptions): Promise<WatchedRun> {
  const proxy = await DeadEndProxy.start();
  try {
    const trace = join(options.logDir, 'connect.strace');
    const run = await execa('strace', ['-f', '-qq', '-e', 'trace=connect', '-o', trace, command, ...args], {
      cwd: options.cwd,
      env: { ...options.env, ...proxy.env() },
      extendEnv: false,
      stdin: 'ignore',
      all: true,
      reject: false,
    });
    const output = run.all ?? '';
    await writeFile(join(options.logDir, 'output.log'), output);
    const connections = parseConnections(await readFile(trace, 'utf8'));
    return {
      exitCode: run.exitCode ?? -1,
      output,
      connections,
      proxied: [...proxy.requests],
      stray: strayConnections(connections, [...options.allowedPorts, proxy.port]),
    };
  } finally {
    await proxy.close();
  }
}
