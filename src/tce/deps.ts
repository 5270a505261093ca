import { InputError } from '../errors.js';
import { extensionNameProblem, withTczSuffix } from './name.js';

/**
 * `-KERNEL.tcz` in a name stands for the target kernel, as tce-load does it:
 * `scsi-KERNEL.tcz` → `scsi-3.0.21-tinycore.tcz`.
 */
export function substituteKernel(name: string, kernelVersion: string): string {
  return name.endsWith('-KERNEL.tcz') ? `${name.slice(0, -'KERNEL.tcz'.length)}${kernelVersion}.tcz` : name;
}

/**
 * The direct dependencies in a `NAME.tcz.dep` file, KERNEL substituted. Like
 * tce-load: all blanks and tabs in a line are removed and empty lines
 * skipped; leniently also CR and `#` comment lines, and a bare `NAME` means
 * `NAME.tcz`. Duplicates are kept once. A name that is not `NAME.tcz` is an InputError naming `source` and
 * the line: dep names become URLs and paths.
 */
export function parseDepFile(text: string, kernelVersion: string, source: string): string[] {
  const deps = new Set<string>();
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/[ \t\r]/g, '');
    if (line === '' || line.startsWith('#')) return;
    const name = substituteKernel(withTczSuffix(line), kernelVersion);
    const problem = extensionNameProblem(name);
    if (problem !== null) throw new InputError(`${source}:${index + 1}: bad dependency '${line}' (${problem})`);
    deps.add(name);
  });
  return [...deps];
}
