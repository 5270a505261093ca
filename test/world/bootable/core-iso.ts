import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fetchBusybox } from './busybox.js';
import { cachedDir, hashFile, hashParts } from './cache.js';
import { buildCoreGz } from './core-gz.js';
import type { ArchiveEntry } from './entries.js';
import { writeCoreTree, writeIso } from './iso.js';
import { ISOLINUX_BIN, LDLINUX_C32 } from './isolinux.js';
import { fetchKernel, type Kernel } from './kernel.js';
import { runDepmod } from './modules.js';
import { DEFAULT_CACHE_DIR } from './paths.js';
import { rootfsEntries } from './rootfs.js';

export interface BootableCoreIso {
  /** The ISO: boot/vmlinuz, boot/core.gz, boot/isolinux/{isolinux.bin,ldlinux.c32,isolinux.cfg,boot.msg,f2,f3,f4}. */
  readonly iso: string;
  readonly kver: string;
  /** The same files as inside the ISO, for tests that build variants. */
  readonly kernelPath: string;
  readonly coreGzPath: string;
  readonly isolinuxCfg: string;
  readonly kernel: Kernel;
  /** The tree the ISO was made from. */
  readonly tree: string;
}

export interface BootableCoreIsoOptions {
  /** Default `<repo>/.cache/world/`. */
  readonly cacheDir?: string;
}

/** Our own code (as .ts, or .js when compiled): changing how the world is built must change the cache key. */
async function recipeHash(): Promise<Buffer[]> {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const names = (await readdir(here)).filter((n) => /\.[jt]s$/.test(n)).sort();
  return Promise.all(names.map((n) => readFile(join(here, n))));
}

async function entriesKey(entries: readonly ArchiveEntry[]): Promise<string[]> {
  const parts: string[] = [];
  for (const e of entries) {
    let detail = '';
    if (e.kind === 'file') {
      if (e.data.from === 'path') detail = await hashFile(e.data.path);
      else if (e.data.from === 'buffer') detail = hashParts([e.data.data]);
      else throw new Error(`bootable world entries are paths or buffers, not streams (${e.path})`);
    } else if (e.kind === 'symlink' || e.kind === 'hardlink') detail = e.target;
    else if (e.kind === 'chardev' || e.kind === 'blockdev') detail = `${e.major},${e.minor}`;
    parts.push(`${e.kind} ${e.path} ${e.mode} ${e.uid}:${e.gid} ${e.mtime} ${detail}`);
  }
  return parts;
}

/** Images of earlier recipes are dead weight (~30 MB each) once the code moved on. */
async function pruneOtherIsos(isoDir: string, key: string): Promise<void> {
  for (const name of await readdir(isoDir).catch(() => [])) {
    if (/^[0-9a-f]{24}$/.test(name) && name !== key) await rm(join(isoDir, name), { recursive: true, force: true });
  }
}

/**
 * A Tiny Core-shaped Core ISO that really boots in QEMU: Debian's cloud
 * kernel and busybox-static in Core's layout, with our tc-config. Built into
 * `CACHE/iso/KEY/` and reused while kernel, busybox and this code stay the same.
 */
export async function buildBootableCoreIso(opts: BootableCoreIsoOptions = {}): Promise<BootableCoreIso> {
  const cacheDir = opts.cacheDir ?? DEFAULT_CACHE_DIR;
  const kernel = await fetchKernel({ cacheDir });
  const busybox = await fetchBusybox(cacheDir);
  const entries = await rootfsEntries(kernel, busybox, cacheDir);
  const key = hashParts([
    ...(await recipeHash()),
    kernel.packageName,
    kernel.packageVersion,
    await hashFile(kernel.vmlinuz),
    await hashFile(ISOLINUX_BIN),
    await hashFile(LDLINUX_C32),
    ...(await entriesKey(entries)),
  ]);
  const dir = await cachedDir(join(cacheDir, 'iso', key), async (tmp) => {
    await pruneOtherIsos(join(cacheDir, 'iso'), key);
    const coreGz = join(tmp, 'core.gz');
    await buildCoreGz(entries, coreGz, { prepare: (root) => runDepmod(root, kernel.kver) });
    await writeCoreTree(join(tmp, 'tree'), { vmlinuz: kernel.vmlinuz, coreGz });
    await writeIso(join(tmp, 'tree'), join(tmp, 'core.iso'));
    await rm(coreGz);
  });
  const tree = join(dir, 'tree');
  return {
    iso: join(dir, 'core.iso'),
    kver: kernel.kver,
    kernelPath: join(tree, 'boot', 'vmlinuz'),
    coreGzPath: join(tree, 'boot', 'core.gz'),
    isolinuxCfg: join(tree, 'boot', 'isolinux', 'isolinux.cfg'),
    kernel,
    tree,
  };
}
