import type { VerifyReport } from './types.js';

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** One line per problem; when there is none, one line saying what was checked. */
export function formatVerify(report: VerifyReport): string {
  if (!report.ok) return `${report.problems.join('\n')}\n`;
  const { extensions, deps, manifestEntries, elfFiles } = report.checked;
  const what = report.kind === 'iso' ? 'ISO' : 'bundle';
  const records =
    report.kind === 'iso'
      ? count(manifestEntries, 'manifest entry', 'manifest entries')
      : count(manifestEntries, 'bundle file');
  return `OK: the ${what} verifies: ${count(extensions, 'extension')} and ${count(deps, '.dep file')}, ${records}, ${count(elfFiles, 'ELF file')} checked\n`;
}
