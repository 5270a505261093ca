import { quoted } from '../config/quote.js';
import { substituteKernel } from '../tce/deps.js';
import { extensionNameProblem, withTczSuffix } from '../tce/name.js';

export interface ListFileOptions {
  /** onboot.lst may name `bash` for `bash.tcz` (tce-load adds the suffix to what it is asked to load); a `.dep` may not. */
  readonly bareNames: boolean;
}

export interface ReadList {
  /** The extensions the file means, leniently read (CR and blanks dropped, comments skipped, `.tcz` added). */
  readonly names: readonly string[];
  /** What the real tce-load would misread, one line per kind of fault, `path` quoted. */
  readonly problems: readonly string[];
}

/**
 * An extension list (`NAME.tcz.dep`, `onboot.lst`) read twice: as mkbundle
 * means it, and as Tiny Core's tce-load reads it, which word-splits the
 * file's text (`for d in $(cat NAME.tcz.dep)`) and, for a dependency,
 * looks for a file of exactly that word's name beside it. So a CR, a `#`
 * comment or a name without `.tcz` in a `.dep` is taken for a file that
 * is not there; names are split at blanks (later tce-loads strip blanks
 * from a line instead, so several names on a line differ between them).
 * Empty and blank lines are skipped by every tce-load. Pure.
 */
export function readListFile(text: string, path: string, options: ListFileOptions): ReadList {
  const names: string[] = [];
  const lines = new Map<string, number[]>();
  const fault = (kind: string, line: number) => lines.set(kind, [...(lines.get(kind) ?? []), line]);
  const badNames: string[] = [];
  const rows = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  rows.forEach((raw, index) => {
    const line = index + 1;
    if (raw.includes('\r')) fault('cr', line);
    const words = raw
      .replaceAll('\r', '')
      .split(/[ \t]+/)
      .filter(Boolean);
    if (words.length === 0) return;
    if (words[0]?.startsWith('#')) {
      fault('comment', line);
      return;
    }
    if (words.length > 1) fault('several', line);
    for (const word of words) {
      if (!word.endsWith('.tcz') && !options.bareNames) fault('bare', line);
      const name = withTczSuffix(word);
      const problem = extensionNameProblem(substituteKernel(name, '0'));
      if (problem === null) names.push(name);
      else badNames.push(`${quoted(word)} (${problem})`);
    }
  });
  const at = (kind: string) => {
    const found = lines.get(kind) ?? [];
    return `line${found.length === 1 ? '' : 's'} ${found.join(', ')}`;
  };
  const problems = [
    ...(lines.has('cr') ? [`has CR line endings (${at('cr')}): tce-load reads the CR as part of the name`] : []),
    ...(lines.has('comment') ? [`has comments (${at('comment')}): tce-load reads their words as names`] : []),
    ...(lines.has('several')
      ? [`has several names on a line (${at('several')}): tce-loads read that differently; one name per line`]
      : []),
    ...(lines.has('bare')
      ? [`has names without .tcz (${at('bare')}): tce-load looks for a file of that very name`]
      : []),
    ...badNames.map((bad) => `names ${bad}`),
  ].map((problem) => `${quoted(path)} ${problem}`);
  return { names: [...new Set(names)], problems };
}
