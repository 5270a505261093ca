import { link, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Deterministic bytes: xorshift noise with `textShare` of every 4 KiB replaced by repeating text. */
function content(size: number, seed: number, textShare: number): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i + 4 <= size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.writeUInt32LE(x >>> 0, i);
  }
  const text = Buffer.from(`${seed}: lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod\n`);
  const textBytes = Math.floor(4096 * textShare);
  for (let block = 0; block < size; block += 4096) {
    for (let i = 0; i < textBytes && block + i < size; i += text.length) {
      text.copy(out, block + i, 0, Math.min(text.length, textBytes - i, size - block - i));
    }
  }
  return out;
}

export interface TreeStats {
  files: number;
  bytes: number;
}

/**
 * A tree shaped like a big extension: thousands of small files in nested
 * directories, some medium and a few large files, partly compressible, plus
 * symlinks and hard links. About `megabytes` MiB in total.
 */
export async function writeBenchTree(root: string, megabytes: number): Promise<TreeStats> {
  const stats: TreeStats = { files: 0, bytes: 0 };
  const target = megabytes * 1024 * 1024;
  const add = async (path: string, data: Buffer) => {
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, data);
    stats.files++;
    stats.bytes += data.length;
  };
  let seed = 1;
  // A third in small files: 64 B to 12 KiB, 100 per directory.
  for (let i = 0; stats.bytes < target / 3; i++) {
    const size = 64 + ((i * 7919) % (12 * 1024));
    await add(
      join(root, 'usr/share', `d${Math.floor(i / 100)}`, `f${i % 100}`, `file-${i}.txt`),
      content(size, seed++, 0.6),
    );
  }
  // A third in medium files of 256 KiB to 1 MiB.
  for (let i = 0; stats.bytes < (2 * target) / 3; i++) {
    await add(join(root, 'usr/lib', `lib${i}.so`), content(256 * 1024 + ((i * 104729) % (768 * 1024)), seed++, 0.3));
  }
  // The rest in large files of 6 MiB.
  for (let i = 0; stats.bytes < target; i++) {
    await add(join(root, 'usr/bin', `big${i}`), content(6 * 1024 * 1024, seed++, 0.5));
  }
  await symlink('lib0.so', join(root, 'usr/lib/libzero.so'));
  await symlink('/usr/bin/big0', join(root, 'usr/big-abs'));
  await link(join(root, 'usr/lib/lib0.so'), join(root, 'usr/lib/lib0-hard.so'));
  return stats;
}
