/**
 * The Tiny Core half of the loopback test world: a mirror with real
 * squashfs `.tcz` files and their companions, and a Core-shaped ISO, as a
 * route map for WorldServer and as files on disk in the same layout:
 *
 *   {prefix}/4.x/x86/tcz/NAME.tcz (.md5.txt .info .list [.dep])
 *   {prefix}/4.x/x86/release/Core-current.iso (.md5.txt)
 *   {prefix}/4.x/x86/release/distribution_files/vmlinuz, core.gz
 *
 * so `--mirror {url}{prefix}/4.x/x86/tcz`, `--iso-url …`, or a base URL
 * with `--tc-version 4.x --arch x86` all work. Building takes a few
 * seconds; results are cached by content (see tinycore-cache.ts).
 */
import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCoreIso, type CoreArch, type CoreIsoInputs, coreBootFiles, coreInitramfsTree } from './core-iso.js';
import { cachedDir } from './tinycore-cache.js';
import {
  builtinList,
  DEFAULT_KERNEL_VERSION,
  type ExtensionSpec,
  extensionMarker,
  infoFile,
  mirrorList,
  utilLinuxExecList,
  worldExtensions,
} from './tinycore-extensions.js';
import { makeTcz } from './tinycore-squashfs.js';
import { listedPaths, type TreeNode, treeDigest } from './tinycore-tree.js';

export interface TinyCoreWorldOptions {
  /** Mirror spelling of the major version; default `4.x`. */
  readonly tcVersion?: `${number}.x`;
  readonly arch?: CoreArch;
  /** URL path the mirror root is served under; default `/tinycorelinux`. */
  readonly prefix?: string;
  /** Default `3.0.21-tinycore` (x86) or `3.0.21-tinycore64` (x86_64). */
  readonly kernelVersion?: string;
  /** `boot/vmlinuz(64)`; default a small placeholder file. */
  readonly kernel?: CoreIsoInputs['kernel'];
  /** Default the host's static busybox. */
  readonly busybox?: string;
  /** Extra core.gz content (replacing same-path defaults). */
  readonly initramfs?: readonly TreeNode[];
  /** false: no `Core-current.iso.md5.txt` beside the ISO (a mirror without one). */
  readonly isoMd5?: boolean;
}

export interface WorldExtension {
  readonly name: string;
  /** The `.dep` file as served; null when there is none (404). */
  readonly dep: string | null;
  /** Direct deps, KERNEL substituted, in file order. */
  readonly deps: readonly string[];
  /** Paths inside the image, as its `.list` names them. */
  readonly list: readonly string[];
  /** Programs (`usr/local/bin/ruby`) and the marker each prints. */
  readonly programs: ReadonlyMap<string, string>;
  readonly md5: string;
  readonly size: number;
}

export interface TinyCoreWorld {
  /** URL path → body, for WorldServer. */
  readonly routes: Map<string, Buffer>;
  /** Where the same files were written, under their URL paths. */
  readonly dir: string;
  readonly tcVersion: string;
  readonly arch: CoreArch;
  readonly kernelVersion: string;
  /** `/tinycorelinux` */
  readonly basePath: string;
  /** `/tinycorelinux/4.x/x86/tcz` */
  readonly tczPath: string;
  /** `/tinycorelinux/4.x/x86/release/Core-current.iso` */
  readonly isoPath: string;
  /** `…/Core-current.iso.md5.txt`, served unless `isoMd5: false`. */
  readonly isoMd5Path: string;
  /** The ISO on disk. */
  readonly isoFile: string;
  /** `boot/vmlinuz` + `boot/core.gz`, or the 64-bit names. */
  readonly boot: { readonly kernel: string; readonly initrd: string };
  readonly coreGz: Buffer;
  readonly extensions: ReadonlyMap<string, WorldExtension>;
  /** The seed's default list files and util-linux-exec.lst. */
  readonly builtinList: string;
  readonly mirrorList: string;
  readonly utilLinuxExecList: string;
  /** Base, `--mirror` and `--iso-url` values for a server at `serverUrl`. */
  urls(serverUrl: string): { readonly base: string; readonly mirror: string; readonly iso: string };
}

const HERE = dirname(fileURLToPath(import.meta.url));

/** The builder's own sources: changing them invalidates cached worlds. */
async function builderDigest(): Promise<string> {
  const hash = createHash('sha256');
  const sources = (await readdir(HERE)).filter((f) => /^(tinycore|core-iso).*\.(ts|js)$/.test(f)).sort();
  for (const source of sources) hash.update(source).update(await readFile(join(HERE, source)));
  return hash.digest('hex');
}

/** What a `.dep` file means: one name a line, blanks and CR dropped, `#` lines skipped, `.tcz` implied. */
function directDeps(dep: string | null, kernelVersion: string): string[] {
  if (dep === null) return [];
  const names = dep
    .split('\n')
    .map((line) => line.replace(/[ \t\r]/g, ''))
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => (line.endsWith('.tcz') ? line : `${line}.tcz`));
  return names.map((name) => name.replace(/-KERNEL\.tcz$/, `-${kernelVersion}.tcz`));
}

function programsOf(spec: ExtensionSpec): Map<string, string> {
  const programs = new Map<string, string>();
  for (const node of spec.tree) {
    if (node.kind === 'file' && /^usr\/local\/s?bin\//.test(node.path)) {
      programs.set(node.path, extensionMarker(spec.name, node.path.slice(node.path.lastIndexOf('/') + 1)));
    }
  }
  return programs;
}

async function readTree(root: string): Promise<Map<string, Buffer>> {
  const routes = new Map<string, Buffer>();
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    routes.set(`/${relative(root, path)}`, await readFile(path));
  }
  return new Map([...routes].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Builds (or takes from the cache) the Tiny Core world and writes it into `dir`. */
export async function buildTinyCoreWorld(dir: string, options: TinyCoreWorldOptions = {}): Promise<TinyCoreWorld> {
  const tcVersion = options.tcVersion ?? '4.x';
  const arch = options.arch ?? 'x86';
  const basePath = `/${(options.prefix ?? '/tinycorelinux').replace(/^\/+|\/+$/g, '')}`;
  const kernelVersion =
    options.kernelVersion ?? (arch === 'x86' ? DEFAULT_KERNEL_VERSION : `${DEFAULT_KERNEL_VERSION}64`);
  const tczPath = `${basePath}/${tcVersion}/${arch}/tcz`;
  const releasePath = `${basePath}/${tcVersion}/${arch}/release`;
  const isoPath = `${releasePath}/${arch === 'x86' ? 'Core-current.iso' : 'CorePure64-current.iso'}`;
  const boot = coreBootFiles(arch);
  const isoInputs: CoreIsoInputs = {
    arch,
    kernelVersion,
    kernel: options.kernel ?? { data: Buffer.from(`MKWORLD placeholder kernel ${kernelVersion}\n`) },
    busybox: options.busybox ?? '/bin/busybox',
    initramfs: options.initramfs ?? [],
  };
  const specs = worldExtensions(kernelVersion);

  const key = createHash('sha256');
  key.update(JSON.stringify({ builder: await builderDigest(), basePath, tcVersion, arch, kernelVersion }));
  key.update(await treeDigest(coreInitramfsTree(isoInputs)));
  key.update('data' in isoInputs.kernel ? isoInputs.kernel.data : await readFile(isoInputs.kernel.path));
  for (const spec of specs) key.update(`${spec.name}\n${spec.dep}\n${await treeDigest(spec.tree)}\n`);

  const cached = await cachedDir(`tinycore-${key.digest('hex').slice(0, 24)}`, async (out) => {
    const put = async (urlPath: string, data: Buffer | string) => {
      await mkdir(dirname(join(out, urlPath)), { recursive: true });
      await writeFile(join(out, urlPath), data);
    };
    const work = join(out, '.work');
    for (const spec of specs) {
      const tcz = await makeTcz(spec.tree, work);
      const at = `${tczPath}/${spec.name}`;
      await put(at, tcz);
      await put(`${at}.md5.txt`, `${createHash('md5').update(tcz).digest('hex')}  ${spec.name}\n`);
      await put(`${at}.info`, infoFile(spec.name, tcz.length));
      await put(`${at}.list`, `${listedPaths(spec.tree).join('\n')}\n`);
      if (spec.dep !== null) await put(`${at}.dep`, spec.dep);
    }
    const core = await buildCoreIso(isoInputs, work);
    await put(isoPath, core.iso);
    await put(`${isoPath}.md5.txt`, `${createHash('md5').update(core.iso).digest('hex')}  ${basename(isoPath)}\n`);
    await put(`${releasePath}/distribution_files/${boot.kernel.slice('boot/'.length)}`, core.kernel);
    await put(`${releasePath}/distribution_files/${boot.initrd.slice('boot/'.length)}`, core.coreGz);
    await rm(work, { recursive: true, force: true });
  });

  await mkdir(dir, { recursive: true });
  await cp(cached, dir, { recursive: true });
  const isoMd5Path = `${isoPath}.md5.txt`;
  if (options.isoMd5 === false) await rm(join(dir, isoMd5Path));
  const routes = await readTree(cached);
  if (options.isoMd5 === false) routes.delete(isoMd5Path);
  const body = (path: string): Buffer => {
    const data = routes.get(path);
    if (!data) throw new Error(`test world: missing ${path}`);
    return data;
  };
  const extensions = new Map<string, WorldExtension>();
  for (const spec of specs) {
    const tcz = body(`${tczPath}/${spec.name}`);
    extensions.set(spec.name, {
      name: spec.name,
      dep: spec.dep,
      deps: directDeps(spec.dep, kernelVersion),
      list: listedPaths(spec.tree),
      programs: programsOf(spec),
      md5: createHash('md5').update(tcz).digest('hex'),
      size: tcz.length,
    });
  }
  return {
    routes,
    dir,
    tcVersion,
    arch,
    kernelVersion,
    basePath,
    tczPath,
    isoPath,
    isoMd5Path,
    isoFile: join(dir, isoPath),
    boot,
    coreGz: body(`${releasePath}/distribution_files/${boot.initrd.slice('boot/'.length)}`),
    extensions,
    builtinList,
    mirrorList,
    utilLinuxExecList,
    urls: (serverUrl) => {
      const server = serverUrl.replace(/\/+$/, '');
      return { base: `${server}${basePath}`, mirror: `${server}${tczPath}`, iso: `${server}${isoPath}` };
    },
  };
}
