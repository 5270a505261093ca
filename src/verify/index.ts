// Placeholder for tsc until the verify library (branch inspect) is merged; it replaces this file.
export interface VerifyReport {
  readonly ok: boolean;
  readonly kind: 'iso' | 'bundle';
  readonly problems: readonly string[];
  readonly checked: {
    readonly extensions: number;
    readonly deps: number;
    readonly manifestEntries: number;
    readonly elfFiles: number;
  };
}

export async function verify(path: string): Promise<VerifyReport> {
  throw new Error(`verify ${path}: not merged yet`);
}

export function formatVerify(report: VerifyReport): string {
  return report.problems.map((p) => `${p}\n`).join('');
}
