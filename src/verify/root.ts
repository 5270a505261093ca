import { posix } from 'node:path';
import type { Tree, TreeNode } from '../initramfs/ld-tree.js';

/** A node of the image's root: what ld-tree's lookups see, and how to read a file's bytes. */
export type RootNode =
  | { readonly kind: 'dir' | 'other' }
  | { readonly kind: 'symlink'; readonly target: string }
  | { readonly kind: 'file'; readonly read: () => Promise<Buffer> };

/**
 * The root file system the Microkernel boots into, as ldconfig and ld.so
 * see it: the initramfs, then each extension tce-load installs over it.
 * The first to provide a path keeps it (tce-load copies without
 * overwriting). Paths are absolute (`/usr/lib/libz.so.1`).
 */
export class RootTree implements Tree {
  readonly #nodes = new Map<string, RootNode>([['/', { kind: 'dir' }]]);
  readonly #children = new Map<string, Set<string>>([['/', new Set()]]);

  /** Adds `path` (relative or absolute) unless the root has it already; missing parents become directories. */
  add(path: string, node: RootNode): void {
    const absolute = posix.join('/', path);
    if (absolute === '/' || this.#nodes.has(absolute)) return;
    const parent = posix.dirname(absolute);
    if (!this.#nodes.has(parent)) this.add(parent, { kind: 'dir' });
    this.#nodes.set(absolute, node);
    this.#children.get(parent)?.add(posix.basename(absolute));
    if (node.kind === 'dir') this.#children.set(absolute, new Set());
  }

  async lstat(path: string): Promise<TreeNode | undefined> {
    const node = this.#nodes.get(path);
    if (node === undefined) return undefined;
    return node.kind === 'symlink' ? { kind: 'symlink', target: node.target } : { kind: node.kind };
  }

  async readdir(path: string): Promise<string[]> {
    return [...(this.#children.get(path) ?? [])];
  }

  async readFile(path: string): Promise<Buffer> {
    const node = this.#nodes.get(path);
    return node?.kind === 'file' ? node.read() : Buffer.alloc(0);
  }
}
