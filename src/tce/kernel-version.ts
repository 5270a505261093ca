import { quoted } from '../config/quote.js';
import { ArchiveError } from '../errors.js';

const KERNEL_VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

/** The names directly under `lib/modules/` among archive paths (`./`, `/` prefixes allowed). */
export function moduleDirNames(paths: Iterable<string>): Set<string> {
  const names = new Set<string>();
  for (const path of paths) {
    const parts = path.split('/').filter((part) => part !== '' && part !== '.');
    if (parts[0] === 'lib' && parts[1] === 'modules' && parts[2] !== undefined) names.add(parts[2]);
  }
  return names;
}

/**
 * The kernel version of a Core initramfs: the single directory name under
 * `lib/modules/`. None, several or an odd one is an ArchiveError naming
 * `source` (e.g. `Core-current.iso:boot/core.gz`).
 */
export function kernelVersionFromPaths(paths: Iterable<string>, source: string): string {
  const names = [...moduleDirNames(paths)].sort();
  const [only] = names;
  if (only === undefined) throw new ArchiveError(`${source}: no kernel modules directory (lib/modules/VERSION/)`);
  if (names.length > 1) {
    throw new ArchiveError(
      `${source}: several kernel modules directories under lib/modules/: ${names.map((name) => quoted(name)).join(', ')}`,
    );
  }
  // The version becomes part of extension names, URLs and paths.
  if (!KERNEL_VERSION.test(only) || only.includes('..')) {
    throw new ArchiveError(`${source}: unusable kernel version ${quoted(only)} under lib/modules/`);
  }
  return only;
}
