import { quoted } from '../config/quote.js';
import { ArchiveError } from '../errors.js';

/** The path of an archive's root directory entry (`.` in cpio, `./` in tar). */
export const ROOT_PATH = '.';

/** `ARCHIVE: 'NAME': PROBLEM`, the entry's name quoted. */
export function entryError(archive: string, name: string | Uint8Array, problem: string): ArchiveError {
  return new ArchiveError(`${archive}: ${quoted(name)}: ${problem}`);
}

/**
 * Normalises an archive member name to a relative POSIX path: strips one
 * leading `./` and trailing slashes; `.` and `./` become {@link ROOT_PATH}.
 * Absolute names, `..`, `.` or empty segments, NUL and empty names are
 * refused with an ArchiveError naming the archive and the entry.
 */
export function normaliseMemberName(archive: string, name: string): string {
  if (name.includes('\0')) throw entryError(archive, name, 'name contains NUL');
  if (name === '.' || name === './') return ROOT_PATH;
  if (name.startsWith('/')) throw entryError(archive, name, 'entry escapes the destination');
  const trimmed = (name.startsWith('./') ? name.slice(2) : name).replace(/\/+$/, '');
  if (trimmed === '') throw entryError(archive, name, 'empty name');
  const segments = trimmed.split('/');
  if (segments.includes('..')) throw entryError(archive, name, 'entry escapes the destination');
  if (segments.some((s) => s === '' || s === '.')) throw entryError(archive, name, 'name is not normalised');
  return trimmed;
}

/**
 * Checks a hard-link target: it names another member of the same archive,
 * so it must be a safe relative path (and not the root directory).
 */
export function normaliseHardlinkTarget(archive: string, name: string, target: string): string {
  if (target.includes('\0')) throw entryError(archive, name, 'hard link target contains NUL');
  if (target.startsWith('/') || target.split('/').includes('..')) {
    throw entryError(archive, name, `hard link target ${quoted(target)} escapes the destination`);
  }
  const normal = normaliseMemberName(archive, target);
  if (normal === ROOT_PATH) throw entryError(archive, name, 'hard link to the root directory');
  return normal;
}

/**
 * Checks a symlink target. Targets are data (an initramfs is full of
 * `/bin/busybox` links), so absolute and climbing targets are allowed; only
 * NUL and empty targets are refused.
 */
export function checkSymlinkTarget(archive: string, name: string, target: string): string {
  if (target === '') throw entryError(archive, name, 'empty symlink target');
  if (target.includes('\0')) throw entryError(archive, name, 'symlink target contains NUL');
  return target;
}

/**
 * Whether following the symlink at `linkPath` (relative to the archive root)
 * leaves the root: absolute targets do, and so do relative ones whose `..`
 * segments climb above it at any point. Chains of links are not followed.
 */
export function symlinkEscapes(linkPath: string, target: string): boolean {
  if (target.startsWith('/')) return true;
  const parent = linkPath.split('/').filter((s) => s !== '' && s !== '.');
  let depth = parent.length - 1;
  for (const segment of target.split('/')) {
    if (segment === '..') depth -= 1;
    else if (segment !== '' && segment !== '.') depth += 1;
    if (depth < 0) return true;
  }
  return false;
}

/** The ancestors of a relative path, outermost first: `a/b/c` → `a`, `a/b`. */
export function ancestors(path: string): string[] {
  const segments = path.split('/');
  return segments.slice(1).map((_, i) => segments.slice(0, i + 1).join('/'));
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes a name or link target; names that are not UTF-8 would not survive a round trip. */
export function decodeName(archive: string, bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw entryError(archive, bytes, 'name is not valid UTF-8');
  }
}
