import { posix } from 'node:path';
import { quoted } from '../config/quote.js';
import { EM_386, EM_X86_64 } from '../initramfs/elf.js';
import { libraryDirs } from '../initramfs/ld-dirs.js';
import { scanDirs } from '../initramfs/ld-scan.js';
import { follow, type Tree, WithLinks } from '../initramfs/ld-tree.js';
import { TRUSTED_DIRS } from '../initramfs/ldcache.js';
import { FLAG_X8664_LIB64, FLAG_X8664_LIBX32, readLibrary } from '../initramfs/ldlib.js';
import type { ElfFile } from './scan.js';

/** The cache flags' ABI bits, the part that must match: 0 for i386, x86-64, x32. */
const ABI_MASK = 0xff00;

/** The ABI bits a library must have to be loaded for `file`, undefined for a machine we do not know. */
function abiOf(file: ElfFile): number | undefined {
  const { machine, elfClass } = file.object;
  if (machine === EM_386 && elfClass === 32) return 0;
  if (machine === EM_X86_64) return elfClass === 64 ? FLAG_X8664_LIB64 : FLAG_X8664_LIBX32;
  return undefined;
}

/** The library search path a file names itself: DT_RUNPATH, else DT_RPATH, `$ORIGIN` its own directory. */
function ownPath(file: ElfFile): string[] {
  const origin = posix.dirname(`/${file.path}`);
  return (file.object.runpath ?? file.object.rpath ?? [])
    .filter((dir) => dir !== '')
    .map((dir) => dir.replace(/\$(\{ORIGIN\}|ORIGIN)/g, () => origin));
}

export interface LibrariesCheck {
  readonly problems: readonly string[];
  /** Files whose libraries were looked for. */
  readonly checked: number;
}

/**
 * Whether every dynamically linked ELF file finds its program interpreter
 * and each DT_NEEDED library in the root it will run in, as ld.so would
 * after the boot's ldconfig: in its own DT_RUNPATH (or DT_RPATH), in the
 * ld.so.cache that ldconfig makes from /etc/ld.so.conf and the trusted
 * directories (our ldconfig emulation, which reads the root), or in the
 * trusted directories themselves; a library for another ABI does not count.
 */
export async function checkLibraries(root: Tree, files: readonly ElfFile[]): Promise<LibrariesCheck> {
  const view = new WithLinks(root);
  const scan = await scanDirs(view, await libraryDirs(view, '/etc/ld.so.conf', TRUSTED_DIRS));
  const cached = new Map<string, number[]>();
  for (const entry of scan.entries) cached.set(entry.key, [...(cached.get(entry.key) ?? []), entry.flags]);

  const loadable = async (path: string, abi: number): Promise<boolean> => {
    const found = await follow(view, path);
    if (found?.node.kind !== 'file') return false;
    const library = readLibrary(await view.readFile(found.path));
    return library !== undefined && (library.flag & ABI_MASK) === abi;
  };
  const finds = async (file: ElfFile, name: string, abi: number): Promise<boolean> => {
    if (name.includes('/')) return loadable(name.startsWith('/') ? name : `/${name}`, abi);
    for (const dir of ownPath(file)) if (await loadable(`${dir}/${name}`, abi)) return true;
    if ((cached.get(name) ?? []).some((flags) => (flags & ABI_MASK) === abi)) return true;
    for (const dir of TRUSTED_DIRS) if (await loadable(`${dir}/${name}`, abi)) return true;
    return false;
  };

  const problems: string[] = [];
  let checked = 0;
  for (const file of files) {
    const abi = abiOf(file);
    if (abi === undefined) continue;
    checked += 1;
    const { interpreter } = file.object;
    if (interpreter !== undefined && (await follow(view, interpreter))?.node.kind !== 'file') {
      problems.push(`${quoted(file.path)}: its interpreter ${quoted(interpreter)} is not in the image`);
    }
    for (const { tag, name } of file.object.names) {
      if (tag === 'needed' && !(await finds(file, name, abi))) {
        problems.push(`${quoted(file.path)} needs ${quoted(name)}, which no library directory of the image has`);
      }
    }
  }
  return { problems, checked };
}
