// Placeholder for tsc until the diff library (branch inspect) is merged; it replaces this file.
export interface DiffReport {
  /** No path added, removed or changed: the exit status is 0, else 1. */
  readonly same: boolean;
}

export async function diff(a: string, b: string): Promise<DiffReport> {
  throw new Error(`diff ${a} ${b}: not merged yet`);
}

export function formatDiff(report: DiffReport): string {
  return report.same ? '' : 'differ\n';
}
