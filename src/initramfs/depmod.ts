import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, lstat, mkdir, readdir, readFile, readlink, realpath, stat, symlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { execa } from 'execa';
import type { FileEntry } from '../archive/entry.js';
import { removeScratchDir, scratchDir } from '../cleanup.js';
import { quoted } from '../config/quote.js';
import { ArchiveError, InputError, ToolMissingError } from '../errors.js';
import { requireTool, TOOLS } from '../tools/which.js';
import { mapIndexValues, readIndex, writeIndex } from './kmod-index.js';

/**
 * Rootless `depmod -a -b ROOT KVER`. The original rebuild_iso.sh ran it on
 * the unpacked core.gz; we run the host's kmod depmod (which needs no root)
 * on a staging copy of just the module trees: `lib/modules/KVER/**` and
 * Tiny Core's `usr/local/lib/modules/KVER/kernel`, which
 * `lib/modules/KVER/kernel.tclocal` reaches through a relative link.
 *
 * Tiny Core ships its modules gzipped (`.ko.gz`) and Debian 12's kmod is
 * built without zlib (`depmod --version`: -ZLIB): it would skip them without
 * a word. So depmod runs on a copy
 * with those modules gunzipped, and the paths it writes are given their
 * `.gz` back (in modules.dep and modules.dep.bin; the other files name
 * modules, not paths) — what a zlib-enabled depmod writes.
 */

export interface DepmodOptions {
  /** The mtime of the returned entries, in seconds. */
  readonly mtime: number;
  /** The depmod program's path; by default found once on PATH (or in sbin). */
  readonly depmod?: string;
}

export interface Depmod {
  /** What depmod wrote into `lib/modules/KVER/`: modules.dep, modules.dep.bin, modules.alias, … */
  readonly entries: FileEntry[];
  /** depmod's warnings, one line each (a missing modules.order, say). */
  readonly warnings: string[];
}

const GZ = '.ko.gz';

/** Regenerates the module index files for the module trees copied under `stagingDir`. */
export async function runDepmod(stagingDir: string, kver: string, options: DepmodOptions): Promise<Depmod> {
  checkKernelVersion(kver);
  const moduleDir = join(stagingDir, 'lib/modules', kver);
  if (!(await stat(moduleDir).catch(() => undefined))?.isDirectory()) {
    throw new InputError(`${moduleDir}: no such module directory`);
  }
  const program = options.depmod ?? (await requireTool('depmod'));
  const work = await scratchDir('depmod');
  try {
    const root = join(work, 'root');
    const gunzipped = await copyTree(stagingDir, root);
    const shadowModules = join(root, 'lib/modules', kver);
    const before = await snapshot(shadowModules);
    // An empty configuration directory: the host's /etc/depmod.d must not steer the image's index.
    await mkdir(join(work, 'depmod.d'));
    const run = await execa(program, ['-a', '-b', root, '-C', join(work, 'depmod.d'), kver], {
      reject: false,
      stdin: 'ignore',
      env: { LC_ALL: 'C' },
      extendEnv: false,
    });
    if (run.code === 'ENOENT') throw new ToolMissingError('depmod', TOOLS.depmod);
    const warnings = lines(String(run.stderr)).map((line) => line.replaceAll(root, stagingDir));
    if (run.exitCode !== 0) {
      const detail = warnings.find((w) => /error|fatal/i.test(w)) ?? warnings[0] ?? run.shortMessage;
      throw new ArchiveError(`${moduleDir}: depmod failed: ${quoted(String(detail))}`);
    }
    const gz = await gzipNames(shadowModules, gunzipped);
    const regzip = (path: string) => gz.get(path) ?? path;
    const entries: FileEntry[] = [];
    for (const name of await written(shadowModules, before)) {
      const data = restorePaths(name, await readFile(join(shadowModules, name)), regzip);
      entries.push({
        kind: 'file',
        path: posix.join('lib/modules', kver, name),
        mode: 0o644,
        uid: 0,
        gid: 0,
        mtime: options.mtime,
        size: data.length,
        data: { from: 'buffer', data },
      });
    }
    return { entries, warnings };
  } finally {
    await removeScratchDir(work);
  }
}

/**
 * depmod takes its first argument as the version only if it starts like
 * one (`%u.%u`); otherwise it silently indexes the host's running kernel.
 */
function checkKernelVersion(kver: string): void {
  if (!/^\d+\.\d+/.test(kver) || kver.includes('/') || kver.includes('\0')) {
    throw new InputError(`invalid kernel version ${quoted(kver)}: expected something like 6.6.8-tinycore64`);
  }
}

/**
 * Copies the staging tree, gunzipping `X.ko.gz` to `X.ko` (unless an `X.ko`
 * is there already), and returns the paths of the gunzipped copies.
 */
async function copyTree(from: string, to: string): Promise<Set<string>> {
  const gunzipped = new Set<string>();
  const copy = async (source: string, target: string): Promise<void> => {
    const stats = await lstat(source);
    if (stats.isDirectory()) {
      await mkdir(target, { recursive: true });
      const names = await readdir(source);
      for (const name of names) {
        if (name.endsWith(GZ) && names.includes(name.slice(0, -3))) continue;
        await copy(join(source, name), join(target, name.endsWith(GZ) ? name.slice(0, -3) : name));
      }
    } else if (stats.isSymbolicLink()) {
      await symlink(linkTarget(posix.relative(from, source), await readlink(source)), target);
    } else if (stats.isFile() && source.endsWith(GZ)) {
      await gunzip(source, target);
      gunzipped.add(target);
    } else if (stats.isFile()) {
      await copyFile(source, target);
    }
  };
  await copy(from, to);
  return gunzipped;
}

/**
 * A link's target in the copy: absolute targets are made relative (inside
 * the image they mean its root, and depmod must not follow them into the
 * host), and a link to a gunzipped module follows it to its new name.
 */
function linkTarget(linkPath: string, target: string): string {
  const relative = target.startsWith('/') ? posix.relative(posix.dirname(`/${linkPath}`), target) || '.' : target;
  return relative.endsWith(GZ) ? relative.slice(0, -3) : relative;
}

async function gunzip(source: string, target: string): Promise<void> {
  try {
    await pipeline(createReadStream(source), createGunzip(), createWriteStream(target));
  } catch (error) {
    throw new ArchiveError(`${quoted(source)}: cannot gunzip module: ${(error as Error).message}`, { cause: error });
  }
}

type Snapshot = Map<string, bigint>;

/** Inode numbers of the regular files in a directory: depmod replaces each file it writes by a rename. */
async function snapshot(dir: string): Promise<Snapshot> {
  const inodes: Snapshot = new Map();
  for (const name of await readdir(dir)) {
    const stats = await lstat(join(dir, name), { bigint: true });
    if (stats.isFile()) inodes.set(name, stats.ino);
  }
  return inodes;
}

async function written(dir: string, before: Snapshot): Promise<string[]> {
  const after = await snapshot(dir);
  return [...after]
    .filter(([name, ino]) => before.get(name) !== ino)
    .map(([name]) => name)
    .sort();
}

/**
 * The module paths of modules.dep (relative to the module directory, maybe
 * through kernel.tclocal) whose file was gunzipped for depmod, each with the
 * `.gz` name it has in the image.
 */
async function gzipNames(moduleDir: string, gunzipped: ReadonlySet<string>): Promise<Map<string, string>> {
  const real = new Set<string>();
  for (const path of gunzipped) real.add(await realpath(path));
  const names = new Map<string, string>();
  const modulesDep = await readFile(join(moduleDir, 'modules.dep'), 'utf8').catch(() => '');
  for (const path of depPaths(modulesDep)) {
    const resolved = await realpath(join(moduleDir, path)).catch(() => undefined);
    if (resolved !== undefined && real.has(resolved)) names.set(path, `${path}.gz`);
  }
  return names;
}

/** Every module path in modules.dep text: `path: dep dep …` per line. */
function depPaths(text: string): string[] {
  return lines(text).flatMap((line) => line.replace(':', ' ').split(' ').filter(Boolean));
}

/** A `path: dep dep …` line with each path rewritten. */
function rewriteLine(line: string, rewrite: (path: string) => string): string {
  const colon = line.indexOf(':');
  if (colon < 0) return line;
  const deps = line
    .slice(colon + 1)
    .split(' ')
    .filter(Boolean)
    .map(rewrite);
  return `${rewrite(line.slice(0, colon))}:${deps.map((d) => ` ${d}`).join('')}`;
}

/** modules.dep and modules.dep.bin get the staged (gzipped) module names back; the other files name no paths. */
function restorePaths(name: string, data: Buffer, rewrite: (path: string) => string): Buffer {
  if (name === 'modules.dep') {
    return Buffer.from(data.toString('utf8').replace(/^.+$/gm, (line) => rewriteLine(line, rewrite)));
  }
  if (name === 'modules.dep.bin') {
    return writeIndex(mapIndexValues(readIndex(data, name), (value) => rewriteLine(value, rewrite)));
  }
  return data;
}

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '');
}
