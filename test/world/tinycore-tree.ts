/**
 * File trees for the Tiny Core test world: the contents of `.tcz` images
 * and of core.gz, as plain data. Special files (device nodes, setuid bits,
 * hard links) are part of the description, so the image builders can make
 * them without mounting or unpacking anything.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

interface At {
  /** Relative POSIX path without a leading `/`. */
  readonly path: string;
}
export type TreeNode =
  | (At & { readonly kind: 'dir'; readonly mode: number })
  | (At & { readonly kind: 'file'; readonly mode: number; readonly data: Buffer })
  /** A file copied from the host, e.g. busybox or isolinux.bin. */
  | (At & { readonly kind: 'copy'; readonly mode: number; readonly from: string })
  | (At & { readonly kind: 'symlink'; readonly target: string })
  /** A second name for the file at `target` (a relative path in the same tree). */
  | (At & { readonly kind: 'hardlink'; readonly target: string })
  | (At & {
      readonly kind: 'chardev' | 'blockdev';
      readonly mode: number;
      readonly major: number;
      readonly minor: number;
    });

export const dir = (path: string, mode = 0o755): TreeNode => ({ kind: 'dir', path, mode });
export const file = (path: string, data: string | Buffer, mode = 0o644): TreeNode => ({
  kind: 'file',
  path,
  mode,
  data: typeof data === 'string' ? Buffer.from(data) : data,
});
export const script = (path: string, body: string, mode = 0o755): TreeNode => file(path, `#!/bin/sh\n${body}`, mode);
export const copy = (path: string, from: string, mode = 0o755): TreeNode => ({ kind: 'copy', path, mode, from });
export const symlink = (path: string, target: string): TreeNode => ({ kind: 'symlink', path, target });
export const hardlink = (path: string, target: string): TreeNode => ({ kind: 'hardlink', path, target });
export const chardev = (path: string, major: number, minor: number, mode = 0o600): TreeNode => ({
  kind: 'chardev',
  path,
  mode,
  major,
  minor,
});
export const blockdev = (path: string, major: number, minor: number, mode = 0o660): TreeNode => ({
  kind: 'blockdev',
  path,
  mode,
  major,
  minor,
});

/**
 * The tree as an image holds it: a later node replaces an earlier one at
 * the same path, missing parent directories are added (0755), sorted by
 * path so parents come first.
 */
export function completeTree(nodes: readonly TreeNode[]): TreeNode[] {
  const byPath = new Map<string, TreeNode>();
  for (const node of nodes) {
    if (node.path === '' || node.path.startsWith('/') || node.path.split('/').includes('..')) {
      throw new Error(`test world: bad tree path '${node.path}'`);
    }
    byPath.set(node.path, node);
  }
  for (const path of [...byPath.keys()]) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (!byPath.has(parent)) byPath.set(parent, dir(parent));
    }
  }
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Paths a `.list` file names: everything but directories. */
export function listedPaths(nodes: readonly TreeNode[]): string[] {
  return completeTree(nodes)
    .filter((node) => node.kind !== 'dir')
    .map((node) => node.path);
}

/** A digest of a tree, host files by content, for cache keys. */
export async function treeDigest(nodes: readonly TreeNode[]): Promise<string> {
  const hash = createHash('sha256');
  for (const node of completeTree(nodes)) {
    if (node.kind === 'file') {
      hash.update(`${JSON.stringify({ kind: node.kind, path: node.path, mode: node.mode, size: node.data.length })}\n`);
      hash.update(node.data);
    } else {
      hash.update(`${JSON.stringify(node)}\n`);
      if (node.kind === 'copy') hash.update(await readFile(node.from));
    }
  }
  return hash.digest('hex');
}
