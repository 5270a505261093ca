import type { EntryKind } from '../archive/entry.js';

/** One entry of xorriso's `-find / -exec lsdl` output. */
export interface LsEntry {
  /** Inside the ISO, without the leading `/`; the root is `''`. */
  readonly path: string;
  readonly kind: EntryKind;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Files only (symlinks show 0). */
  readonly size: number;
  readonly target?: string;
  readonly device?: string;
}

const KINDS: Readonly<Record<string, EntryKind>> = {
  '-': 'file',
  // The El Torito boot catalog: a file to everyone but xorriso.
  e: 'file',
  d: 'dir',
  l: 'symlink',
  c: 'chardev',
  b: 'blockdev',
  p: 'fifo',
  s: 'socket',
};

/** A shell-quoted name as xorriso writes it: `'…'` pieces, a `'` as `"'"`. */
const QUOTED = `((?:'[^']*'|"'")+)`;
const RECORD = new RegExp(
  `([-edlcbps])([-r][-w][-xsS][-r][-w][-xsS][-r][-w][-xtT]) +\\d+ +(\\d+) +(\\d+) +(\\d+|\\d+,\\d+) +[A-Z][a-z]{2} +\\d{1,2} +(?:\\d{1,2}:\\d{2}|\\d{4}) +${QUOTED}(?: -> ${QUOTED})?\\n`,
  'y',
);

function unquote(text: string): string {
  return text.replace(/'([^']*)'|"'"/g, (_all, inside: string | undefined) => inside ?? "'");
}

/** `rwsr-xr-x` → 0o4755. */
export function permissionBits(perms: string): number {
  let mode = 0;
  for (const [i, c] of [...perms].entries()) if (c !== '-' && c !== 'S' && c !== 'T') mode |= 1 << (8 - i);
  if (/[sS]/.test(perms.charAt(2))) mode |= 0o4000;
  if (/[sS]/.test(perms.charAt(5))) mode |= 0o2000;
  if (/[tT]/.test(perms.charAt(8))) mode |= 0o1000;
  return mode;
}

/**
 * The entries of `-find / -exec lsdl` output, in its order. Names may hold
 * newlines (they stay inside their quotes); a line that is no entry is
 * skipped.
 */
export function parseLsdl(text: string): LsEntry[] {
  const entries: LsEntry[] = [];
  let at = 0;
  while (at < text.length) {
    RECORD.lastIndex = at;
    const match = RECORD.exec(text);
    if (match === null) {
      const next = text.indexOf('\n', at);
      at = next < 0 ? text.length : next + 1;
      continue;
    }
    at = RECORD.lastIndex;
    const [, type = '-', perms = '', uid = '0', gid = '0', size = '0', name = "''", target] = match;
    const kind = KINDS[type] ?? 'file';
    const path = unquote(name).replace(/^\/+/, '');
    const base = { path, kind, mode: permissionBits(perms), uid: Number(uid), gid: Number(gid) };
    if (size.includes(',')) entries.push({ ...base, size: 0, device: size });
    else if (target !== undefined) entries.push({ ...base, size: 0, target: unquote(target) });
    else entries.push({ ...base, size: kind === 'file' ? Number(size) : 0 });
  }
  return entries;
}
