/**
 * Runs mkbundle's built CLI (dist/) on a scratch tree the way the upstream
 * peer runs (watch.ts: strace and the dead-end proxy), so both sides of a
 * parity test are held to the same rule: loopback only.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readTar } from '../../src/archive/tar-read.js';
import type { Flavour } from '../../src/config/flavour.js';
import { packageRoot } from '../../src/version.js';
import type { World } from '../world/index.js';
import { worldPort } from './run-upstream.js';
import { type WatchedRun, watchedRun } from './watch.js';

const BIN = join(packageRoot(), 'dist', 'src', 'cli', 'bin.js');

export interface MkbundleOptions {
  /** The Microkernel tree, also the working directory (list paths are relative to it). */
  readonly source: string;
  readonly flavour: Flavour;
  /** A fresh directory: out/, the download cache, HOME and logs go below it. */
  readonly dir: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

export interface MkbundleRun extends WatchedRun {
  readonly bundle: string;
  /** The bundle's dependencies/razor-microkernel-overlay.tar.gz, written beside it. */
  readonly overlay: string;
}

const OVERLAY = 'dependencies/razor-microkernel-overlay.tar.gz';

export async function runMkbundle(world: World, options: MkbundleOptions): Promise<MkbundleRun> {
  const out = join(options.dir, 'out');
  const run = await watchedRun(process.execPath, [BIN, ...options.args, '--out', out], {
    cwd: options.source,
    env: {
      PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: options.dir,
      LC_ALL: 'C',
      XDG_CACHE_HOME: join(options.dir, 'cache'),
      ...options.env,
    },
    logDir: options.dir,
    allowedPorts: [worldPort(world)],
  });
  if (run.exitCode !== 0) {
    throw new Error(`mkbundle ${options.args.join(' ')}: exit ${run.exitCode}:\n${run.output.slice(-3000)}`);
  }
  const bundle = join(out, `razor-microkernel-bundle-${options.flavour}.tar.gz`);
  const overlay = join(options.dir, 'razor-microkernel-overlay.tar.gz');
  let found = false;
  for await (const entry of readTar(bundle, { name: bundle })) {
    if (entry.path !== OVERLAY || entry.kind !== 'file' || entry.data.from !== 'stream') continue;
    const chunks: Buffer[] = [];
    for await (const chunk of entry.data.open()) chunks.push(chunk as Buffer);
    await writeFile(overlay, Buffer.concat(chunks));
    found = true;
  }
  if (!found) throw new Error(`${bundle}: no ${OVERLAY}`);
  return { ...run, bundle, overlay };
}
