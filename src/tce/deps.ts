import { quoted } from '../config/quote.js';
import { InputError } from '../errors.js';
import { extensionNameProblem, withTczSuffix } from './name.js';

/** Whether `name` stands for a kernel-specific extension (`NAME-KERNEL.tcz`). */
export function hasKernel(name: string): boolean {
  return name.endsWith('-KERNEL.tcz');
}

/**
 * `-KERNEL.tcz` in a name stands for the target kernel, as tce-load does it:
 * `scsi-KERNEL.tcz` → `scsi-3.0.21-tinycore.tcz`.
 */
export function substituteKernel(name: string, kernelVersion: string): string {
  return hasKernel(name) ? `${name.slice(0, -'KERNEL.tcz'.length)}${kernelVersion}.tcz` : name;
}

/**
 * The dependency names in a `NAME.tcz.dep` file, as written (`-KERNEL`
 * kept). Like tce-load: all blanks and tabs in a line are removed and empty
 * lines skipped; leniently also CR and `#` comment lines, and a bare `NAME`
 * means `NAME.tcz`. Duplicates are kept once. A name that is not `NAME.tcz`
 * is an InputError naming `source` and the line: dep names become URLs and
 * paths.
 */
export function parseDepNames(text: string, source: string): string[] {
  const deps = new Set<string>();
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/[ \t\r]/g, '');
    if (line === '' || line.startsWith('#')) return;
    const name = withTczSuffix(line);
    const problem = extensionNameProblem(substituteKernel(name, '0'));
    if (problem !== null) throw new InputError(`${source}:${index + 1}: bad dependency ${quoted(line)} (${problem})`);
    deps.add(name);
  });
  return [...deps];
}

/** `names` with KERNEL substituted, each once (two may name the same extension once substituted). */
export function substituteKernelNames(names: readonly string[], kernelVersion: string): string[] {
  return [...new Set(names.map((name) => substituteKernel(name, kernelVersion)))];
}

/**
 * A `.dep` file as the real tce-load can read it: it word-splits the file,
 * so a CR, a comment or a bare name would be taken for an extension. One
 * `NAME.tcz` per LF-ended line; `-KERNEL` kept for tce-load to substitute.
 */
export function formatDepFile(names: readonly string[]): string {
  return names.map((name) => `${name}\n`).join('');
}
