import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { completeTree, type TreeNode } from './tinycore-tree.js';

/** `"path"` as a gensquashfs pack file spells it (absolute, quoted). */
const quoted = (path: string) => `"/${path.replace(/["\\]/g, (c) => `\\${c}`)}"`;
const octal = (mode: number) => `0${mode.toString(8)}`;

/**
 * A `.tcz`: a squashfs 4 image with Tiny Core's parameters (gzip, 4 KiB
 * blocks), made by gensquashfs from a pack file so ownership (root),
 * setuid bits, device nodes and hard links need no privileges. All mtimes
 * are 0, so equal trees give equal bytes.
 */
export async function makeTcz(nodes: readonly TreeNode[], workDir: string): Promise<Buffer> {
  await mkdir(workDir, { recursive: true });
  const stage = await mkdtemp(join(workDir, 'tcz-'));
  try {
    const lines: string[] = [];
    const links: string[] = [];
    let n = 0;
    for (const node of completeTree(nodes)) {
      const at = quoted(node.path);
      switch (node.kind) {
        case 'dir':
          lines.push(`dir ${at} ${octal(node.mode)} 0 0`);
          break;
        case 'file':
        case 'copy': {
          const input = `in${n++}`;
          if (node.kind === 'file') await writeFile(join(stage, input), node.data);
          else await copyFile(node.from, join(stage, input));
          lines.push(`file ${at} ${octal(node.mode)} 0 0 ${input}`);
          break;
        }
        case 'symlink':
          lines.push(`slink ${at} 0777 0 0 ${node.target}`);
          break;
        case 'hardlink':
          // Last, so the file it names is already packed.
          links.push(`link ${at} 0777 0 0 /${node.target}`);
          break;
        case 'chardev':
        case 'blockdev':
          lines.push(
            `nod ${at} ${octal(node.mode)} 0 0 ${node.kind === 'chardev' ? 'c' : 'b'} ${node.major} ${node.minor}`,
          );
          break;
      }
    }
    await writeFile(join(stage, 'pack'), `${[...lines, ...links].join('\n')}\n`);
    const image = join(stage, 'image.tcz');
    await execa('gensquashfs', [
      '-F',
      join(stage, 'pack'),
      '-D',
      stage,
      '-c',
      'gzip',
      '-b',
      '4096',
      '-j',
      '1',
      '-q',
      image,
    ]);
    return await readFile(image);
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}
