import { escapeUnsafe } from '../config/quote.js';
import { listingOrder } from '../listing/listed.js';
import type { DiffReport } from './types.js';

/** `+ path` (added), `- path` (removed), `~ path (size, content)` (changed), in path order; or `no differences`. */
export function formatDiff(report: DiffReport): string {
  if (report.same) return 'no differences\n';
  const lines: [string, string][] = [
    ...report.added.map((e): [string, string] => [e.path, `+ ${escapeUnsafe(e.path)}`]),
    ...report.removed.map((e): [string, string] => [e.path, `- ${escapeUnsafe(e.path)}`]),
    ...report.changed.map((c): [string, string] => [c.path, `~ ${escapeUnsafe(c.path)} (${c.what.join(', ')})`]),
  ];
  return `${lines
    .sort(([a], [b]) => listingOrder(a, b))
    .map(([, line]) => line)
    .join('\n')}\n`;
}
