import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fetchBusybox } from './busybox.js';
import { cachedDir, hashFile, hashParts } from './cache.js';
import { buildCoreGz } from './core-gz.js';
import type { ArchiveEntry } from './entries.js';
import { writeCoreTree, writeIso } from './iso.js';
import { ISOLINUX_BIN, LDLINUX_C32, type WorldArch, worldBootFiles } from './isolinux.js';
import { fetchKernel, type Kernel } from './kernel.js';
import { runDepmod } from './modules.js';
import { DEFAULT_CACHE_DIR } from './paths.js';
import { rootfsEntries, withParents } from './rootfs.js';

export interface BootableCoreIso {
  /**
   * The ISO: boot/vmlinuz, boot/core.gz (x86_64: boot/vmlinuz64, boot/corepure64.gz),
   * boot/isolinux/{isolinux.bin,ldlinux.c32,isolinux.cfg,boot.msg,f2,f3,f4}.
   */
  readonly iso: string;
  readonly arch: WorldArch;
  readonly kver: string;
  /** The same files as inside the ISO, for tests that build variants. */
  readonly kernelPath: string;
  /**
   * boot/core.gz, or boot/corepure64.gz: rootfs64.gz and modules64.gz concatenated, as Tiny Core makes it
   * (with twoInitrds kept beside the tree, which has the two files instead).
   */
  readonly coreGzPath: string;
  /** x86_64 only: the two halves of corepure64.gz, as `release/distribution_files/` has them. */
  readonly parts?: { readonly rootfs: string; readonly modules: string };
  readonly isolinuxCfg: string;
  readonly kernel: Kernel;
  /** The tree the ISO was made from. */
  readonly tree: string;
}

export interface BootableCoreIsoOptions {
  /** Default `<repo>/.cache/world/`. */
  readonly cacheDir?: string;
  /** `x86` (default): a 4.x-named Core; `x86_64`: a 16.x CorePure64, its initramfs in two cpio archives. */
  readonly arch?: WorldArch;
  /**
   * x86_64 only: boot/rootfs64.gz and boot/modules64.gz as two files, which
   * every isolinux.cfg entry loads as two initrds, instead of boot/corepure64.gz.
   */
  readonly twoInitrds?: boolean;
}

/** Which world an ISO directory holds (a file in it, the variant; none means x86, as before there were two). */
const ARCH_FILE = 'arch';

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

/** Images of earlier recipes of the same arch are dead weight (~30 MB each) once the code moved on. */
async function pruneOtherIsos(isoDir: string, key: string, variant: string): Promise<void> {
  for (const name of await readdir(isoDir).catch(() => [])) {
    if (!/^[0-9a-f]{24}$/.test(name) || name === key) continue;
    const theirs = await readFile(join(isoDir, name, ARCH_FILE), 'utf8').catch(() => 'x86');
    if (theirs.trim() === variant) await rm(join(isoDir, name), { recursive: true, force: true });
  }
}

const underModules = (e: ArchiveEntry) => e.path === 'lib/modules' || e.path.startsWith('lib/modules/');

/**
 * corepure64.gz as Tiny Core makes it: rootfs64.gz (all but the modules)
 * and modules64.gz (lib/modules/KVER, depmod's files included) concatenated,
 * two gzip members, two cpio archives each with its own trailer.
 */
async function buildCorePure64(entries: readonly ArchiveEntry[], kver: string, dir: string): Promise<string> {
  const rootfs = join(dir, 'rootfs64.gz');
  const modules = join(dir, 'modules64.gz');
  await buildCoreGz(
    entries.filter((e) => !underModules(e)),
    rootfs,
  );
  await buildCoreGz(withParents(entries.filter(underModules)), modules, {
    prepare: (root) => runDepmod(root, kver),
  });
  const out = join(dir, 'corepure64.gz');
  await writeFile(out, Buffer.concat([await readFile(rootfs), await readFile(modules)]));
  return out;
}

/**
 * A Tiny Core-shaped Core ISO that really boots in QEMU: Debian's cloud
 * kernel and busybox-static in Core's layout, with Tiny Core's boot scripts. Built into
 * `CACHE/iso/KEY/` and reused while kernel, busybox, arch and this code stay the same.
 */
export async function buildBootableCoreIso(opts: BootableCoreIsoOptions = {}): Promise<BootableCoreIso> {
  const cacheDir = opts.cacheDir ?? DEFAULT_CACHE_DIR;
  const arch = opts.arch ?? 'x86';
  if (opts.twoInitrds && arch !== 'x86_64') throw new Error('twoInitrds is a CorePure64 (x86_64) layout');
  const variant = opts.twoInitrds ? `${arch}-two-initrds` : arch;
  const boot = worldBootFiles(arch);
  const kernel = await fetchKernel({ cacheDir });
  const busybox = await fetchBusybox(cacheDir);
  const entries = await rootfsEntries(kernel, busybox, cacheDir, arch);
  const key = hashParts([
    ...(await recipeHash()),
    variant,
    kernel.packageName,
    kernel.packageVersion,
    await hashFile(kernel.vmlinuz),
    await hashFile(ISOLINUX_BIN),
    await hashFile(LDLINUX_C32),
    ...(await entriesKey(entries)),
  ]);
  const dir = await cachedDir(join(cacheDir, 'iso', key), async (tmp) => {
    await pruneOtherIsos(join(cacheDir, 'iso'), key, variant);
    await writeFile(join(tmp, ARCH_FILE), `${variant}\n`);
    if (arch === 'x86') {
      const coreGz = join(tmp, 'core.gz');
      await buildCoreGz(entries, coreGz, { prepare: (root) => runDepmod(root, kernel.kver) });
      await writeCoreTree(join(tmp, 'tree'), { vmlinuz: kernel.vmlinuz, coreGz });
      await rm(coreGz);
    } else {
      const coreGz = await buildCorePure64(entries, kernel.kver, tmp);
      const parts = [join(tmp, 'rootfs64.gz'), join(tmp, 'modules64.gz')] as const;
      await writeCoreTree(join(tmp, 'tree'), {
        vmlinuz: kernel.vmlinuz,
        coreGz: opts.twoInitrds ? parts : coreGz,
        arch,
      });
      if (!opts.twoInitrds) await rm(coreGz);
    }
    await writeIso(join(tmp, 'tree'), join(tmp, 'core.iso'), arch === 'x86' ? 'Core' : 'CorePure64');
  });
  const tree = join(dir, 'tree');
  return {
    iso: join(dir, 'core.iso'),
    arch,
    kver: kernel.kver,
    kernelPath: join(tree, boot.kernel),
    coreGzPath: opts.twoInitrds ? join(dir, 'corepure64.gz') : join(tree, boot.initrd),
    ...(arch === 'x86_64' && { parts: { rootfs: join(dir, 'rootfs64.gz'), modules: join(dir, 'modules64.gz') } }),
    isolinuxCfg: join(tree, 'boot', 'isolinux', 'isolinux.cfg'),
    kernel,
    tree,
  };
}
