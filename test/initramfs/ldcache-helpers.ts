import { cp, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative } from 'node:path';
import { execa } from 'execa';
import type { Tree } from '../../src/initramfs/ld-tree.js';
import { findTool } from '../../src/tools/which.js';

/** Shared libraries built with the host's gcc, and the real ldconfig to compare against. */

export interface LibSpec {
  readonly soname?: string;
  /** i386 instead of x86-64 (needs gcc -m32; built without the C library, so no 32-bit libc is required). */
  readonly m32?: boolean;
  /** Libraries to link against (their sonames become DT_NEEDED). */
  readonly needs?: readonly string[];
  readonly interpreter?: string;
}

const SOURCE = 'int mkbundle_test_symbol(void) { return 42; }\n';

export async function buildLib(out: string, spec: LibSpec = {}): Promise<void> {
  await mkdir(dirname(out), { recursive: true });
  const source = `${out}.c`;
  await writeFile(source, SOURCE);
  const args = ['-shared', '-fPIC', '-nostdlib', '-o', out, source, '-Wl,--no-as-needed'];
  if (spec.m32) args.push('-m32');
  if (spec.soname !== undefined) args.push(`-Wl,-soname,${spec.soname}`);
  if (spec.interpreter !== undefined) args.push(`-Wl,--dynamic-linker=${spec.interpreter}`, '-Wl,-pie');
  args.push(...(spec.needs ?? []));
  try {
    await execa('gcc', args);
  } finally {
    await rm(source, { force: true });
  }
}

/** Whether gcc can build shared libraries, for 64 and 32 bits. */
export async function compilers(): Promise<{ gcc: boolean; m32: boolean }> {
  const dir = await mkdtemp(join(tmpdir(), 'mk-ldcache-cc-'));
  try {
    const works = (spec: LibSpec) =>
      buildLib(join(dir, `lib${spec.m32 ? 32 : 64}.so`), spec).then(
        () => true,
        () => false,
      );
    return { gcc: await works({}), m32: await works({ m32: true }) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface PeerResult {
  readonly cache: Buffer;
  /** Every symbolic link of the tree after ldconfig ran, `path -> target`, sorted. */
  readonly links: string[];
  readonly printed: string[];
}

/** Runs the real `ldconfig -r` on a copy of `root` and reads what it made. */
export async function realLdconfig(root: string): Promise<PeerResult> {
  const ldconfig = (await findTool('ldconfig')) as string;
  const copy = await mkdtemp(join(tmpdir(), 'mk-ldcache-peer-'));
  try {
    await cp(root, copy, { recursive: true, verbatimSymlinks: true });
    await mkdir(join(copy, 'etc'), { recursive: true });
    await execa(ldconfig, ['-r', copy]);
    const cache = await readFile(join(copy, 'etc/ld.so.cache'));
    return { cache, links: await symlinks(copy), printed: await printCache(join(copy, 'etc/ld.so.cache')) };
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
}

/** `ldconfig -p -C FILE` without its first line (which names the file). */
export async function printCache(file: string): Promise<string[]> {
  const ldconfig = (await findTool('ldconfig')) as string;
  const { stdout } = await execa(ldconfig, ['-p', '-C', file]);
  return stdout.split('\n').slice(1);
}

export async function symlinks(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const name of await readdir(dir)) {
      const path = join(dir, name);
      const stats = await lstat(path);
      if (stats.isSymbolicLink()) found.push(`${relative(root, path)} -> ${await readlink(path)}`);
      else if (stats.isDirectory()) await walk(path);
    }
  };
  await walk(root);
  return found.sort();
}

/** The generator string of a cache file's extension section (to make ours byte-comparable). */
export function generatorOf(cache: Buffer): string {
  const extension = cache.readUInt32LE(32);
  const offset = cache.readUInt32LE(extension + 16);
  return cache.toString('utf8', offset, offset + cache.readUInt32LE(extension + 20));
}

export interface DecodedEntry {
  readonly flags: number;
  readonly key: string;
  readonly value: string;
}

export function decodeEntries(cache: Buffer): DecodedEntry[] {
  const cString = (at: number) => cache.toString('utf8', at, cache.indexOf(0, at));
  return Array.from({ length: cache.readUInt32LE(20) }, (_, i) => {
    const at = 48 + i * 24;
    return {
      flags: cache.readInt32LE(at),
      key: cString(cache.readUInt32LE(at + 4)),
      value: cString(cache.readUInt32LE(at + 8)),
    };
  });
}

/** An in-memory Tree: `files` maps absolute paths to contents, `links` to link targets; directories are implied. */
export function memoryTree(
  files: Readonly<Record<string, Buffer | string>>,
  links: Readonly<Record<string, string>> = {},
  order: (names: string[]) => string[] = (names) => names,
): Tree {
  const dirs = new Set<string>(['/']);
  for (const path of [...Object.keys(files), ...Object.keys(links)]) {
    for (let dir = posix.dirname(path); dir !== '/'; dir = posix.dirname(dir)) dirs.add(dir);
  }
  return {
    async lstat(path) {
      if (links[path] !== undefined) return { kind: 'symlink', target: links[path] };
      if (files[path] !== undefined) return { kind: 'file' };
      return dirs.has(path) ? { kind: 'dir' } : undefined;
    },
    async readdir(path) {
      const names = [...dirs, ...Object.keys(files), ...Object.keys(links)]
        .filter((p) => p !== '/' && posix.dirname(p) === path)
        .map((p) => posix.basename(p));
      return order([...new Set(names)]);
    },
    async readFile(path) {
      const data = files[path];
      if (data === undefined) throw new Error(`no file ${path}`);
      return Buffer.from(data);
    },
  };
}
