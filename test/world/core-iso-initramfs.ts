import { chmod, copyFile, link, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { execa } from 'execa';
import { completeTree, type TreeNode } from './tinycore-tree.js';

/** 2012-03-01: about when Core 4.x shipped; every mtime in core.gz. */
export const CORE_EPOCH = 1_330_560_000;

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * core.gz the way Tiny Core makes it: `find | cpio -o -H newc | gzip`, with
 * GNU cpio, entry names as `find` prints them (`.`, `./bin`, …). Device
 * nodes need mknod: done directly as root, under fakeroot otherwise.
 * Owners are 0:0, mtimes CORE_EPOCH, inode numbers reproducible.
 */
export async function makeCoreGz(nodes: readonly TreeNode[], workDir: string): Promise<Buffer> {
  await mkdir(workDir, { recursive: true });
  const stage = await mkdtemp(join(workDir, 'initramfs-'));
  const root = join(stage, 'root');
  try {
    await mkdir(root);
    const special: string[] = [];
    // Hard links are made once every file they may name exists.
    const links: { path: string; target: string }[] = [];
    for (const node of completeTree(nodes)) {
      const at = join(root, node.path);
      switch (node.kind) {
        case 'dir':
          await mkdir(at);
          await chmod(at, node.mode);
          break;
        case 'file':
          await writeFile(at, node.data);
          await chmod(at, node.mode);
          break;
        case 'copy':
          await copyFile(node.from, at);
          await chmod(at, node.mode);
          break;
        case 'symlink':
          await symlink(node.target, at);
          break;
        case 'hardlink':
          links.push(node);
          break;
        case 'chardev':
        case 'blockdev': {
          const type = node.kind === 'chardev' ? 'c' : 'b';
          special.push(
            `mknod -m ${node.mode.toString(8)} ${shellQuote(node.path)} ${type} ${node.major} ${node.minor}`,
          );
          break;
        }
      }
    }
    for (const { path, target } of links) await link(join(root, target), join(root, path));
    const shell = [
      'set -e',
      ...special,
      `find . -exec touch -h -d @${CORE_EPOCH} {} +`,
      'find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --reproducible --quiet',
    ].join('\n');
    const asRoot = process.getuid?.() === 0;
    const { stdout } = await execa(asRoot ? 'sh' : 'fakeroot', asRoot ? ['-c', shell] : ['sh', '-c', shell], {
      cwd: root,
      encoding: 'buffer',
      stripFinalNewline: false,
    });
    return gzipSync(Buffer.from(stdout), { level: 9 });
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}
