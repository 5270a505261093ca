import { FLAG_ELF_LIBC5, FLAG_ELF_LIBC6 } from './ldlib.js';

/**
 * One meaningful line of `/etc/ld.so.conf`, read the way ldconfig reads it:
 * `#` starts a comment anywhere, leading blanks are skipped, `include`
 * takes blank-separated glob patterns, `hwcap` lines are ignored, anything
 * else is a directory, optionally `DIR=TYPE`, without trailing blanks or
 * slashes.
 */
export type ConfLine =
  | {
      readonly kind: 'dir';
      readonly path: string;
      /** The flag a `=libc5` / `=libc6` / `=glibc2` suffix forces on plain-ELF libraries. */
      readonly libType: number | undefined;
    }
  | { readonly kind: 'include'; readonly patterns: readonly string[] };

const LIB_TYPES: ReadonlyMap<string, number> = new Map([
  ['libc5', FLAG_ELF_LIBC5],
  ['libc6', FLAG_ELF_LIBC6],
  ['glibc2', FLAG_ELF_LIBC6],
]);

/** C's isspace and isblank in the C locale. */
const SPACE = /^[ \t\n\v\f\r]+/;
const BLANK = /[ \t]/;

export function parseLdSoConf(text: string): ConfLine[] {
  const lines: ConfLine[] = [];
  for (const raw of text.split('\n')) {
    const line = (raw.split('#', 1)[0] ?? '').replace(SPACE, '');
    if (line === '') continue;
    if (line.startsWith('include') && BLANK.test(line.charAt(7))) {
      lines.push({ kind: 'include', patterns: line.slice(8).split(/[ \t]/).filter(Boolean) });
    } else if (!isHwcap(line)) {
      const dir = directory(line);
      if (dir !== undefined) lines.push(dir);
    }
  }
  return lines;
}

/** ldconfig warns about `hwcap` lines (any case) and ignores them. */
function isHwcap(line: string): boolean {
  return line.slice(0, 5).toLowerCase() === 'hwcap' && BLANK.test(line.charAt(5));
}

function directory(line: string): ConfLine | undefined {
  const equals = line.indexOf('=');
  const path = (equals < 0 ? line : line.slice(0, equals)).replace(/[ \t\n\v\f\r]+$/, '').replace(/\/+$/, '');
  if (path === '') return undefined;
  return { kind: 'dir', path, libType: equals < 0 ? undefined : LIB_TYPES.get(line.slice(equals + 1)) };
}
