import type { LibDir } from './ld-dirs.js';
import { follow, inDir, type Tree, type WithLinks } from './ld-tree.js';
import type { CacheEntry } from './ldcache-format.js';
import { FLAG_ELF, FLAG_ELF_LIBC5, FLAG_ELF_LIBC6, readLibrary } from './ldlib.js';
import { libcmp } from './libcmp.js';

/**
 * ldconfig's `search_dir`, directory by directory: which file stands for
 * each soname, the soname links it makes, the dangling links it deletes,
 * and the cache entries it adds (in the order it adds them).
 */
export interface Scan {
  readonly entries: CacheEntry[];
  /** Links made or repointed: canonical path of the link → target. */
  readonly links: Map<string, string>;
  /** Dangling `*.so.*` links ldconfig deletes, canonical paths. */
  readonly stale: string[];
}

/** One soname's best file so far in a directory. */
interface Candidate {
  name: string;
  readonly soname: string;
  flag: number;
  isLink: boolean;
}

export async function scanDirs(tree: WithLinks, dirs: readonly LibDir[]): Promise<Scan> {
  const scan: Scan = { entries: [], links: new Map(), stale: [] };
  // Links made in one directory are visible to the directories after it, as on disk.
  for (const dir of dirs) await scanDir(tree, dir, scan);
  return scan;
}

async function scanDir(tree: WithLinks, dir: LibDir, scan: Scan): Promise<void> {
  const candidates = new Map<string, Candidate>();
  // readdir order is the file system's; sorting makes ties (and so the output) reproducible.
  const names = (await tree.readdir(dir.canonical)).filter(isLibraryName).sort(byBytes);
  for (const name of names) {
    const found = await libraryAt(tree, dir, name, scan);
    if (found === undefined) continue;
    const { library, symlink } = found;
    let soname = library.soname ?? name;
    // A link counts as a link only when it is the soname itself or the
    // development `.so` name of it; any other link is treated as a file.
    const isLink = symlink && (name === soname || (name.endsWith('.so') && soname.startsWith(name)));
    if (isLink) soname = name;
    const flag =
      library.flag === FLAG_ELF && (dir.libType === FLAG_ELF_LIBC5 || dir.libType === FLAG_ELF_LIBC6)
        ? dir.libType
        : library.flag;
    const known = candidates.get(soname);
    if (known === undefined) candidates.set(soname, { name, soname, flag, isLink });
    else if ((!isLink && known.isLink) || (isLink === known.isLink && libcmp(bytes(known.name), bytes(name)) < 0)) {
      known.flag = mergedFlag(known.flag, flag);
      known.name = name;
      known.isLink = isLink;
    }
  }
  // ldconfig keeps its list newest-first.
  for (const candidate of [...candidates.values()].reverse()) {
    if (!candidate.isLink) await makeLink(tree, dir, candidate.name, candidate.soname, scan);
    scan.entries.push({ key: candidate.soname, value: `${dir.path}/${candidate.soname}`, flags: candidate.flag });
  }
}

/** ldconfig's mismatch rule: ELF and libc5/libc6 reconcile; anything else keeps the first flag (ldconfig warns). */
function mergedFlag(known: number, next: number): number {
  const libc = (f: number) => f === FLAG_ELF_LIBC5 || f === FLAG_ELF_LIBC6;
  if (known === next) return known;
  if ((known === FLAG_ELF && libc(next)) || (libc(known) && next === FLAG_ELF)) return next;
  return known;
}

/** The library a directory entry stands for, or undefined when ldconfig passes it over. */
async function libraryAt(tree: WithLinks, dir: LibDir, name: string, scan: Scan) {
  const real = inDir(dir.canonical, name);
  const node = await tree.lstat(real);
  if (node === undefined) return undefined;
  let file = real;
  if (node.kind === 'symlink') {
    const target = await follow(tree, `${dir.path}/${name}`);
    if (target === undefined) {
      // Dangling, looping or through a missing directory: ldconfig deletes it.
      if (name.includes('.so.')) scan.stale.push(real);
      return undefined;
    }
    if (target.node.kind !== 'file') return undefined;
    file = target.path;
  } else if (node.kind !== 'file') {
    return undefined;
  }
  const library = readLibrary(await tree.readFile(file));
  return library === undefined ? undefined : { library, symlink: node.kind === 'symlink' };
}

/**
 * ldconfig's `create_links`: point `soname` at `libname` unless it already
 * leads to the same file. A regular file under the soname is left alone
 * (ldconfig says "is not a symbolic link"; under `-r` it looks that up on the
 * host by mistake, we keep the intended behaviour).
 */
async function makeLink(tree: WithLinks, dir: LibDir, libname: string, soname: string, scan: Scan): Promise<void> {
  const linkPath = inDir(dir.canonical, soname);
  const present = await statAt(tree, linkPath, `${dir.path}/${soname}`);
  if (present !== undefined) {
    const library = await statAt(tree, inDir(dir.canonical, libname), `${dir.path}/${libname}`);
    if (library === undefined || library === present) return;
    if ((await tree.lstat(linkPath))?.kind !== 'symlink') return;
  }
  tree.link(linkPath, libname);
  scan.links.set(linkPath, libname);
}

/** ldconfig's `chroot_stat`: the canonical file behind `real`, following a link through `path`. */
async function statAt(tree: Tree, real: string, path: string): Promise<string | undefined> {
  const node = await tree.lstat(real);
  if (node === undefined) return undefined;
  if (node.kind !== 'symlink') return real;
  return (await follow(tree, path))?.path;
}

/** ldconfig looks at `lib*.so*` and `ld-*.so*` (and `ld.so.*`, `ld64.so.*`), minus prelink's temporary files. */
export function isLibraryName(name: string): boolean {
  const dso =
    ((name.startsWith('lib') || name.startsWith('ld-')) && name.includes('.so')) ||
    name.startsWith('ld.so.') ||
    name.startsWith('ld64.so.');
  return dso && !name.endsWith('.#prelink#') && name.slice(-17, -6) !== '.#prelink#.';
}

function bytes(s: string): Buffer {
  return Buffer.from(s);
}

function byBytes(a: string, b: string): number {
  return Buffer.compare(bytes(a), bytes(b));
}
