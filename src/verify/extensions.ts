import { posix } from 'node:path';
import { quoted } from '../config/quote.js';
import { describeCycle, orderDeps } from '../tce/closure.js';
import { hasKernel, substituteKernel } from '../tce/deps.js';
import { parseMd5Txt } from '../tce/md5.js';
import { readListFile } from './list-file.js';
import { BUILTIN_DIR, type ImageScan, ONBOOT_LIST } from './scan.js';

export interface ExtensionsCheck {
  readonly problems: readonly string[];
  /** Extensions checked: the onboot ones and their closure. */
  readonly extensions: number;
  /** `.dep` files read. */
  readonly deps: number;
  /** The builtin `.tcz` paths present with the right md5, in the order tce-load installs them (dependencies first). */
  readonly installed: readonly string[];
}

export interface ExtensionsOptions {
  /** The kernel `-KERNEL` names stand for; throws (a one-line reason) when it cannot be known. */
  readonly kernelVersion: () => string;
  /** bundle.json's onboot list, which onboot.lst must match (bundles only). */
  readonly onboot?: readonly string[];
}

const inBuiltin = (name: string) => `${BUILTIN_DIR}/${name}`;

/**
 * Tiny Core's boot-time view of the builtin extensions: every name in
 * onboot.lst and its `.dep` closure (KERNEL substituted, as tce-load does)
 * must be a file in tmp/builtin/optional with the md5 its `.md5.txt`
 * states; every `.dep` in the image must read as tce-load reads it; a
 * dependency loop is a problem (tce-load recurses forever). Other `.tcz`
 * files with a `.md5.txt` beside them are checked too (tce-load -w checks
 * the local mirror's). Pure.
 */
export function checkExtensions(scan: ImageScan, options: ExtensionsOptions): ExtensionsCheck {
  const problems: string[] = [];
  const depFiles = [...scan.texts.keys()].filter((path) => path.endsWith('.tcz.dep')).sort();
  const depNames = new Map<string, readonly string[]>();
  for (const path of depFiles) {
    const read = readListFile(scan.texts.get(path) ?? '', path, { bareNames: false });
    problems.push(...read.problems);
    depNames.set(path, read.names);
  }

  let kernelProblem = false;
  const substituted = (names: readonly string[]): string[] =>
    names.flatMap((name) => {
      if (!hasKernel(name)) return [name];
      try {
        return [substituteKernel(name, options.kernelVersion())];
      } catch (error) {
        if (!kernelProblem) problems.push(`cannot tell what ${quoted(name)} stands for: ${(error as Error).message}`);
        kernelProblem = true;
        return [];
      }
    });

  const onbootText = scan.texts.get(ONBOOT_LIST);
  let roots: string[] = [];
  if (onbootText === undefined) {
    if ((options.onboot ?? []).length > 0) problems.push(`${quoted(ONBOOT_LIST)} is missing`);
  } else {
    const read = readListFile(onbootText, ONBOOT_LIST, { bareNames: true });
    problems.push(...read.problems);
    roots = substituted(read.names);
  }
  if (options.onboot !== undefined && onbootText !== undefined) {
    const expected = options.onboot;
    const without = expected.filter((name) => !roots.includes(name)).map((name) => ` without ${quoted(name)}`);
    const extra = roots.filter((name) => !expected.includes(name)).map((name) => ` with ${quoted(name)}`);
    if (without.length + extra.length > 0) {
      problems.push(`${quoted(ONBOOT_LIST)} is not bundle.json's onboot list:${[...without, ...extra].join(',')}`);
    }
  }

  const deps = new Map<string, string[]>();
  for (const [path, names] of depNames) {
    if (posix.dirname(path) === BUILTIN_DIR) deps.set(posix.basename(path, '.dep'), substituted(names));
  }
  const order = orderDeps(roots, deps);
  for (const cycle of order.cycles) problems.push(`${quoted(BUILTIN_DIR)}: ${describeCycle(cycle)}`);

  const neededBy = new Map<string, string[]>();
  for (const name of order.discoveryOrder) {
    for (const dep of deps.get(name) ?? []) neededBy.set(dep, [...(neededBy.get(dep) ?? []), name]);
  }
  const checked = new Set<string>();
  const good = new Set<string>();
  for (const name of order.discoveryOrder) {
    const path = inBuiltin(name);
    checked.add(path);
    if (!scan.md5.has(path)) {
      const why = [
        ...(roots.includes(name) ? ['onboot'] : []),
        ...(neededBy.has(name) ? [`needed by ${(neededBy.get(name) ?? []).map((n) => quoted(n)).join(', ')}`] : []),
      ];
      problems.push(`${quoted(path)} is missing (${why.join('; ')})`);
      continue;
    }
    const md5 = md5Problem(scan, path, true);
    if (md5 === undefined) good.add(path);
    else problems.push(md5);
  }
  for (const path of [...scan.md5.keys()].sort()) {
    if (checked.has(path)) continue;
    const md5 = md5Problem(scan, path, false);
    if (md5 !== undefined) problems.push(md5);
  }
  return {
    problems,
    extensions: order.discoveryOrder.length,
    deps: depFiles.length,
    installed: order.loadOrder.map(inBuiltin).filter((path) => good.has(path)),
  };
}

/** What is wrong with a `.tcz` against its `.md5.txt`; a missing one matters only when `required`. */
function md5Problem(scan: ImageScan, path: string, required: boolean): string | undefined {
  const md5Path = `${path}.md5.txt`;
  const text = scan.texts.get(md5Path);
  if (text === undefined) return required ? `${quoted(path)} has no ${quoted(md5Path)} beside it` : undefined;
  let stated: string;
  try {
    stated = parseMd5Txt(text, posix.basename(path), quoted(md5Path));
  } catch (error) {
    return (error as Error).message;
  }
  const actual = scan.md5.get(path);
  return actual === stated ? undefined : `${quoted(path)}: md5 is ${actual}, but ${quoted(md5Path)} states ${stated}`;
}
