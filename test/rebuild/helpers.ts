import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { packageRoot } from '../../src/version.js';
import { runCli } from '../bundle/harness.js';
import { parseRunJson } from '../helpers/json-schema.js';
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

/**
 * Runs a command as the unprivileged user nobody (the machine is root: that
 * would hide root needs). With --json, stdout is held to the contract (one
 * line, valid against docs/mkbundle.schema.json).
 */
export function asNobody(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Run {
  const run = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', command, ...args], {
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
    cwd: '/',
  });
  const code = run.status ?? -1;
  if (args.includes('--json')) expect(parseRunJson(run.stdout).exitCode).toBe(code);
  return { code, stdout: run.stdout, stderr: run.stderr };
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

export const isRoot = process.getuid?.() === 0;

/** Unpacks a bundle tarball into `dir` (made), readable by everyone. */
export async function unpackBundle(tarball: string, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  execFileSync('tar', ['xzf', tarball, '-C', dir]);
  await chmod(dir, 0o755);
  return dir;
}

/** A copy of `iso` at `out` with `file` in place of `inside` (boot record kept). */
export function replaceInIso(iso: string, inside: string, file: string, out: string): void {
  execFileSync(
    'xorriso',
    ['-indev', iso, '-outdev', out, '-boot_image', 'any', 'keep', '-update', file, `/${inside}`],
    {
      stdio: 'ignore',
    },
  );
}

/**
 * Records the current size and SHA-256 of `path` in the unpacked bundle's
 * bundle.json (its `files` entry and the download it is a copy of), as the
 * bundle stage would have: for tests that change a file on purpose.
 */
export async function reseal(bundleDir: string, path: string): Promise<void> {
  const file = join(bundleDir, 'bundle.json');
  const manifest = JSON.parse(await readFile(file, 'utf8'));
  const data = await readFile(join(bundleDir, path));
  const sha256 = createHash('sha256').update(data).digest('hex');
  const record = manifest.files[path];
  manifest.files[path] = { ...record, size: data.length, sha256 };
  for (const input of manifest.inputs) {
    if (input.url === record.url) Object.assign(input, { size: data.length, sha256 });
  }
  await writeFile(file, JSON.stringify(manifest, null, 2));
}

/** Mounts a tmpfs of `size` (mount's syntax: 2m, 600k) everyone may write to at `dir` (made). Root only. */
export async function mountTmpfs(dir: string, size: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0777`, 'tmpfs', dir]);
}

export function unmount(dir: string): void {
  execFileSync('umount', [dir]);
}
