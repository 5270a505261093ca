import { readFile } from 'node:fs/promises';
import { quoted } from '../config/quote.js';
import { InputError } from '../errors.js';
import { extensionNameProblem, withTczSuffix } from './name.js';

/**
 * One line of a builtin or mirror list: a Tiny Core extension, or a Debian
 * package (`NAME.deb`) that the bundle stage turns into `NAME.tcz`.
 */
export type ListEntry =
  | { readonly kind: 'tcz'; readonly name: string }
  | { readonly kind: 'deb'; readonly package: string; readonly name: string };

/** Debian policy's package names: lower case, digits, `+ - .`, at least two characters. */
const DEB_PACKAGE = /^[a-z0-9][a-z0-9+.-]+$/;

function parseLine(line: string): ListEntry | string {
  if (line.endsWith('.deb')) {
    const pkg = line.slice(0, -'.deb'.length);
    if (!DEB_PACKAGE.test(pkg)) return 'not a Debian package name';
    return { kind: 'deb', package: pkg, name: `${pkg}.tcz` };
  }
  const name = withTczSuffix(line);
  return extensionNameProblem(name) ?? { kind: 'tcz', name };
}

/**
 * Parses a builtin or mirror extension list: one name per line; blank lines
 * and `#` comment lines are skipped; surrounding whitespace and CR are
 * trimmed. A bare `NAME` means `NAME.tcz` (tce-load accepts both);
 * `NAME.deb` names a Debian package. A name listed twice is kept once, at
 * its first position; a `.deb` and a `.tcz` that would both be `NAME.tcz`
 * are an error. `file` only labels errors.
 */
export function parseExtensionList(text: string, file: string): ListEntry[] {
  const entries = new Map<string, ListEntry>();
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${file}:${index + 1}`;
    const entry = parseLine(line);
    if (typeof entry === 'string') throw new InputError(`${where}: bad extension name ${quoted(line)} (${entry})`);
    const earlier = entries.get(entry.name);
    if (earlier !== undefined && earlier.kind !== entry.kind) {
      throw new InputError(`${where}: ${quoted(line)} and an earlier line both make ${entry.name}`);
    }
    if (earlier === undefined) entries.set(entry.name, entry);
  });
  return [...entries.values()];
}

/** Reads and parses a list file; an unreadable file is an InputError naming it. */
export async function readExtensionList(file: string): Promise<ListEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    const reason = cause instanceof Error && 'code' in cause ? String(cause.code) : 'unreadable';
    throw new InputError(`cannot read extension list ${file}: ${reason}`, { cause });
  }
  return parseExtensionList(text, file);
}
