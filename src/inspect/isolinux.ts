import type { BootLine } from './types.js';

/** One `KEYWORD value` line of a syslinux configuration (keywords are case-insensitive). */
const DIRECTIVE = /^[ \t]*([A-Za-z]+)(?:[ \t]+(.*?))?[ \t]*\r?$/;

/**
 * What the default label of an isolinux.cfg boots: its kernel, initrd and
 * kernel command line. The initrd may be given as `initrd=` in `append`;
 * without a `default`, the first label boots. Pure.
 */
export function bootLine(cfg: string): BootLine {
  const labels: { label: string; lines: Map<string, string> }[] = [];
  let chosen: string | undefined;
  for (const line of cfg.split('\n')) {
    const match = DIRECTIVE.exec(line);
    if (match === null) continue;
    const keyword = (match[1] ?? '').toLowerCase();
    const value = match[2] ?? '';
    if (keyword === 'default') chosen = value;
    else if (keyword === 'label') labels.push({ label: value, lines: new Map() });
    else if (labels.length > 0) labels[labels.length - 1]?.lines.set(keyword === 'linux' ? 'kernel' : keyword, value);
  }
  const label = labels.find((l) => l.label === chosen) ?? (chosen === undefined ? labels[0] : undefined);
  if (label === undefined) return { label: chosen ?? null, kernel: null, initrd: null, append: null };
  const append = label.lines.get('append') ?? null;
  const fromAppend = append === null ? undefined : /(?:^|\s)initrd=(\S+)/.exec(append)?.[1];
  return {
    label: label.label,
    kernel: label.lines.get('kernel') ?? null,
    initrd: label.lines.get('initrd') ?? fromAppend ?? null,
    append,
  };
}
