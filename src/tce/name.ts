/**
 * Tiny Core extension names as they appear in list and `.dep` files and in
 * mirror URLs: `NAME.tcz`. Names end up in URLs and overlay paths, so only a
 * conservative character set is accepted.
 */
const NAME_CHARS = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

/** Why `name` is not a usable extension name, or null when it is. */
export function extensionNameProblem(name: string): string | null {
  if (name === '') return 'empty name';
  if (/\s/.test(name)) return 'contains whitespace';
  if (name.includes('/')) return "contains '/'";
  if (name.includes('..')) return "contains '..'";
  if (!NAME_CHARS.test(name)) return 'unexpected characters';
  if (!name.endsWith('.tcz') || name === '.tcz') return "does not end in '.tcz'";
  return null;
}

/** Appends `.tcz` to a bare name, as tce-load does for `tce-load -wi NAME`. */
export function withTczSuffix(name: string): string {
  return name.endsWith('.tcz') ? name : `${name}.tcz`;
}
