import { execFileSync, spawnSync } from 'node:child_process';
import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/version.js';
import { runCli } from '../bundle/harness.js';
import type { World } from '../world/index.js';

export const BIN = join(packageRoot(), 'dist', 'src', 'cli', 'bin.js');

/** A scratch directory everyone may use: the ISO stage runs as nobody. */
export async function openDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await chmod(dir, 0o777);
  return dir;
}

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command as the unprivileged user nobody (the machine is root: that would hide root needs). */
export function asNobody(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Run {
  const run = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', command, ...args], {
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
    cwd: '/',
  });
  return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}

/** `mkbundle iso BUNDLE [VERSION] …` as nobody. */
export function isoAsNobody(
  bundle: string,
  version: string | undefined,
  extra: readonly string[],
  env: NodeJS.ProcessEnv = {},
) {
  return asNobody(process.execPath, [BIN, 'iso', bundle, ...(version === undefined ? [] : [version]), ...extra], env);
}

const FLAGS = { dev: [], prod: ['-p'], debug: ['-d'] } as const;

/** Builds a bundle of the flavour from the world (as root: the bundle stage is not under test here). */
export async function buildBundle(
  world: World,
  out: string,
  flavour: 'dev' | 'prod' | 'debug',
  extra: readonly string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<string> {
  const run = await runCli(
    ['-b', world.builtinList, '-m', world.mirrorList, ...world.flags, '--out', out, ...FLAGS[flavour], ...extra],
    { XDG_CACHE_HOME: join(out, '..', 'cache'), ...env },
  );
  if (run.code !== 0) throw new Error(`bundle failed: ${run.stderr}`);
  await chmod(out, 0o755);
  return join(out, `razor-microkernel-bundle-${flavour}.tar.gz`);
}

/** Copies one file out of an ISO with xorriso. */
export function fromIso(iso: string, inside: string, dest: string): void {
  execFileSync('xorriso', ['-osirrox', 'on', '-indev', iso, '-extract', `/${inside}`, dest], { stdio: 'ignore' });
}

/** GNU cpio's listing of a gzipped archive, numeric owners. */
export function cpioList(gz: string): string[] {
  return execFileSync('sh', ['-c', `gzip -dc '${gz}' | cpio -itv --numeric-uid-gid --quiet`])
    .toString()
    .trim()
    .split('\n');
}
