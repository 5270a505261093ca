import { readFile } from 'node:fs/promises';
import { InputError } from '../errors.js';
import { extensionNameProblem, withTczSuffix } from './name.js';

/**
 * Parses a builtin or mirror extension list: one name per line; blank lines
 * and `#` comment lines are skipped; surrounding whitespace and CR are
 * trimmed. A bare `NAME` means `NAME.tcz` (tce-load accepts both). A name
 * listed twice is kept once, at its first position. `file` only labels errors.
 */
export function parseExtensionList(text: string, file: string): string[] {
  const names = new Set<string>();
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const name = withTczSuffix(line);
    const problem = extensionNameProblem(name);
    if (problem !== null) {
      throw new InputError(`${file}:${index + 1}: bad extension name '${line}' (${problem})`);
    }
    names.add(name);
  });
  return [...names];
}

/** Reads and parses a list file; an unreadable file is an InputError naming it. */
export async function readExtensionList(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    const reason = cause instanceof Error && 'code' in cause ? String(cause.code) : 'unreadable';
    throw new InputError(`cannot read extension list ${file}: ${reason}`, { cause });
  }
  return parseExtensionList(text, file);
}
