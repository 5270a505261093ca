import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { quoted } from '../config/quote.js';
import { InputError } from '../errors.js';

/**
 * A read-only view of a root directory, the way `ldconfig -r ROOT` sees it:
 * paths are absolute inside the root (`/usr/lib/libz.so.1`) and symbolic
 * links resolve against the root, never the host.
 */
export type TreeNode =
  | { readonly kind: 'file' | 'dir' | 'other' }
  | { readonly kind: 'symlink'; readonly target: string };

export interface Tree {
  /** The node at `path` itself (a link is not followed); undefined when nothing is there. */
  lstat(path: string): Promise<TreeNode | undefined>;
  /** The entry names of the directory at a canonical path. */
  readdir(path: string): Promise<string[]>;
  /** The bytes of the regular file at a canonical path. */
  readFile(path: string): Promise<Buffer>;
}

/** glibc's `__eloop_threshold` (and Linux's): more links than this in one lookup is a loop. */
const MAX_LINKS = 40;

/**
 * The canonical path `path` leads to inside the root (glibc's
 * `chroot_canon`): `.`/`..` folded (never above the root), every link
 * followed, absolute targets taken from the root. A missing last component
 * is allowed, as in ldconfig; a missing middle one, or a link loop, gives
 * undefined.
 */
export async function canonical(tree: Tree, path: string): Promise<string | undefined> {
  const dest: string[] = [];
  let rest = path;
  let links = 0;
  for (;;) {
    rest = rest.replace(/^\/+/, '');
    if (rest === '') break;
    const slash = rest.indexOf('/');
    const name = slash < 0 ? rest : rest.slice(0, slash);
    rest = slash < 0 ? '' : rest.slice(slash);
    if (name === '.') continue;
    if (name === '..') {
      dest.pop();
      continue;
    }
    dest.push(name);
    const node = await tree.lstat(`/${dest.join('/')}`);
    if (node === undefined) return rest === '' ? `/${dest.join('/')}` : undefined;
    if (node.kind === 'symlink') {
      if (++links > MAX_LINKS) return undefined;
      rest = node.target + rest;
      if (node.target.startsWith('/')) dest.length = 0;
      else dest.pop();
    }
  }
  return `/${dest.join('/')}`;
}

/** `name` in the directory at a canonical path (the root's is `/`). */
export function inDir(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

/** What `stat` sees at `path`: the canonical path and the node there, undefined for a dangling or bad path. */
export async function follow(tree: Tree, path: string): Promise<{ path: string; node: TreeNode } | undefined> {
  const target = await canonical(tree, path);
  if (target === undefined) return undefined;
  const node = await tree.lstat(target);
  return node === undefined ? undefined : { path: target, node };
}

/** The tree plus symbolic links made since it was read, which later lookups must see. */
export class WithLinks implements Tree {
  readonly #links = new Map<string, string>();

  constructor(private readonly base: Tree) {}

  link(path: string, target: string): void {
    this.#links.set(path, target);
  }

  async lstat(path: string): Promise<TreeNode | undefined> {
    const target = this.#links.get(path);
    return target === undefined ? this.base.lstat(path) : { kind: 'symlink', target };
  }

  readdir(path: string): Promise<string[]> {
    return this.base.readdir(path);
  }

  readFile(path: string): Promise<Buffer> {
    return this.base.readFile(path);
  }
}

/** A directory on disk as a Tree; links inside it are read, never followed by the host. */
export function diskTree(root: string): Tree {
  const host = (path: string) => join(root, path);
  return {
    async lstat(path) {
      try {
        const stats = await lstat(host(path));
        if (stats.isSymbolicLink()) return { kind: 'symlink', target: await readlink(host(path)) };
        return { kind: stats.isFile() ? 'file' : stats.isDirectory() ? 'dir' : 'other' };
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw unreadable(root, path, error);
      }
    },
    async readdir(path) {
      try {
        return await readdir(host(path));
      } catch (error) {
        throw unreadable(root, path, error);
      }
    },
    async readFile(path) {
      try {
        return await readFile(host(path));
      } catch (error) {
        throw unreadable(root, path, error);
      }
    },
  };
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function unreadable(root: string, path: string, error: unknown): InputError {
  // The code, not the message, which repeats the path unquoted.
  const why = (error as NodeJS.ErrnoException).code ?? quoted(String(error));
  return new InputError(`${quoted(join(root, path))}: cannot read: ${why}`, { cause: error });
}
