// Placeholder for tsc until the inspect library (branch inspect) is merged; it replaces this file.
export interface InspectReport {
  readonly kind: string;
}

/** The tree levels shown when none are asked for. */
export const DEFAULT_DEPTH = 2;

export async function inspect(path: string, _options: { depth?: number }): Promise<InspectReport> {
  throw new Error(`inspect ${path}: not merged yet`);
}

export function formatInspect(report: InspectReport): string {
  return `${report.kind}\n`;
}
