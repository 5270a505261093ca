import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Apt } from './apt.js';
import { fetchDeb } from './debs.js';
import { DEFAULT_CACHE_DIR } from './paths.js';

export interface Kernel {
  /** `uname -r` of the kernel, e.g. `6.1.0-56-cloud-amd64`. */
  readonly kver: string;
  /** The Debian package and version it came from. */
  readonly packageName: string;
  readonly packageVersion: string;
  readonly vmlinuz: string;
  /** `…/lib/modules/KVER` of the unpacked package (no modules.dep: Debian makes that at install time). */
  readonly modulesDir: string;
}

/** The metapackage that always depends on Debian's current cloud kernel (small, boots fast under TCG). */
const METAPACKAGE = 'linux-image-cloud-amd64';

async function currentKernelPackage(cacheDir: string): Promise<string> {
  const image = (await new Apt(cacheDir).candidateDepends(METAPACKAGE)).find((d) =>
    /^linux-image-.*-cloud-amd64$/.test(d),
  );
  if (image === undefined) throw new Error(`${METAPACKAGE} depends on no linux-image-*-cloud-amd64 package`);
  return image;
}

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

/** Bookworm ships modules in /lib/modules, merged-/usr releases in /usr/lib/modules. */
async function findModulesRoot(root: string): Promise<string> {
  for (const dir of ['lib/modules', 'usr/lib/modules']) {
    if (await isDir(join(root, dir))) return join(root, dir);
  }
  throw new Error(`no lib/modules in the kernel package unpacked in ${root}`);
}

/** Debian's current cloud kernel, unpacked in the cache (see fetchDeb); never installed. */
export async function fetchKernel(opts: { cacheDir?: string } = {}): Promise<Kernel> {
  const cacheDir = opts.cacheDir ?? DEFAULT_CACHE_DIR;
  const deb = await fetchDeb(await currentKernelPackage(cacheDir), cacheDir);
  const modulesRoot = await findModulesRoot(deb.root);
  const kvers = await readdir(modulesRoot);
  if (kvers.length !== 1) throw new Error(`expected one kernel version in ${modulesRoot}, found ${kvers.join(', ')}`);
  const kver = kvers[0] as string;
  const vmlinuz = join(deb.root, 'boot', `vmlinuz-${kver}`);
  if (!(await stat(vmlinuz).catch(() => undefined))?.isFile()) throw new Error(`no ${vmlinuz} in ${deb.name}`);
  return {
    kver,
    packageName: deb.name,
    packageVersion: deb.version,
    vmlinuz,
    modulesDir: join(modulesRoot, kver),
  };
}
