import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { execa } from 'execa';
import { type ArchiveEntry, dir, file, fileFrom } from './entries.js';
import type { Kernel } from './kernel.js';

/**
 * Compressed module suffixes and how to undo them on the host. Bookworm's
 * kernels ship plain `.ko`; later Debian kernels ship `.ko.xz`. Busybox's
 * insmod/modprobe and kernels without in-kernel decompression want plain
 * `.ko`, so compressed modules are decompressed here, as Tiny Core ships them.
 */
const DECOMPRESSORS: Readonly<Record<string, (path: string) => Promise<Buffer>>> = {
  '.xz': async (path) => Buffer.from((await execa('xz', ['-dc', path], { encoding: 'buffer' })).stdout),
  '.zst': async (path) => Buffer.from((await execa('zstd', ['-dcq', path], { encoding: 'buffer' })).stdout),
  '.gz': async (path) => gunzipSync(await readFile(path)),
};

const stripCompression = (rel: string): string => rel.replace(/\.ko\.(xz|zst|gz)$/, '.ko');

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

async function moduleEntry(kernel: Kernel, rel: string, archiveDir: string): Promise<ArchiveEntry> {
  const plain = stripCompression(rel);
  const to = `${archiveDir}/${plain}`;
  if (await isFile(join(kernel.modulesDir, plain))) return fileFrom(to, join(kernel.modulesDir, plain));
  for (const [suffix, decompress] of Object.entries(DECOMPRESSORS)) {
    const source = join(kernel.modulesDir, plain + suffix);
    if (await isFile(source)) return file(to, await decompress(source));
  }
  throw new Error(`module ${rel} is not in ${kernel.modulesDir}`);
}

/**
 * Entries for `lib/modules/KVER/` with just the named modules (plain `.ko`),
 * Debian's `modules.builtin*` and a `modules.order` cut down to them; run
 * `depmod` on the unpacked tree afterwards for `modules.dep`.
 */
export async function moduleEntries(kernel: Kernel, names: readonly string[]): Promise<ArchiveEntry[]> {
  const archiveDir = `lib/modules/${kernel.kver}`;
  const order = (await readFile(join(kernel.modulesDir, 'modules.order'), 'utf8')).split('\n').filter(Boolean);
  const picked = names.map((name) => {
    const rel = order.find((line) => basename(stripCompression(line)) === `${name}.ko`);
    if (rel === undefined) throw new Error(`module ${name} is not in ${kernel.kver}'s modules.order`);
    return rel;
  });
  const entries: ArchiveEntry[] = [dir('lib/modules'), dir(archiveDir)];
  for (const rel of picked) entries.push(await moduleEntry(kernel, rel, archiveDir));
  entries.push(file(`${archiveDir}/modules.order`, picked.map((rel) => `${stripCompression(rel)}\n`).join('')));
  for (const name of ['modules.builtin', 'modules.builtin.modinfo']) {
    const source = join(kernel.modulesDir, name);
    if (await isFile(source)) entries.push(await fileFrom(`${archiveDir}/${name}`, source));
  }
  return entries;
}

/** Host depmod over an unpacked root: writes modules.dep (text, which busybox modprobe reads) and friends. */
export async function runDepmod(root: string, kver: string): Promise<void> {
  await execa('depmod', ['-b', root, kver]);
}
