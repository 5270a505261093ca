import { SquashfsImage } from '../squashfs/index.js';
import { fileFacts } from './file.js';
import { summariseTree } from './tree.js';
import type { TczReport } from './types.js';

/** A squashfs image (a Tiny Core extension): its superblock and the first levels of its tree. */
export async function inspectTcz(path: string, depth: number): Promise<TczReport> {
  const image = await SquashfsImage.open(path);
  try {
    const entries = (await image.list()).filter((entry) => entry.path !== '');
    const { superblock: s } = image;
    return {
      kind: 'tcz',
      path,
      ...(await fileFacts(path)),
      squashfs: {
        compressor: s.compressor,
        blockSize: s.blockSize,
        inodes: s.inodeCount,
        bytesUsed: s.bytesUsed,
        fragments: s.fragmentCount,
        mtime: s.mtime,
      },
      entries: entries.length,
      depth,
      tree: summariseTree(entries, depth),
    };
  } finally {
    await image.close();
  }
}
