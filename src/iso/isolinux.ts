/** Where the Core ISO keeps the boot loader's configuration. */
export const ISOLINUX_CFG = 'boot/isolinux/isolinux.cfg';

/**
 * The outcome of shortening the boot prompt's timeout. Only Core's own
 * `timeout 300` (30 s) becomes `timeout 100`; any other value was chosen by
 * whoever made the ISO and is kept, which the caller may want to mention.
 */
export type TimeoutEdit =
  | { readonly kind: 'shortened'; readonly text: string }
  | { readonly kind: 'kept'; readonly text: string; readonly timeouts: readonly string[] }
  | { readonly kind: 'absent'; readonly text: string };

// Syslinux keywords are case-insensitive; the CR of a CRLF file stays in the trailing group.
const CORE_TIMEOUT = /^([ \t]*timeout[ \t]+)300([ \t]*\r?)$/gim;
const ANY_TIMEOUT = /^[ \t]*timeout[ \t]+(\S*)/gim;

/** `timeout 300` → `timeout 100` on whole lines; every other byte stays as it is. */
export function shortenBootTimeout(cfg: string): TimeoutEdit {
  let shortened = false;
  const text = cfg.replace(CORE_TIMEOUT, (_line, head: string, tail: string) => {
    shortened = true;
    return `${head}100${tail}`;
  });
  if (shortened) return { kind: 'shortened', text };
  const timeouts = [...cfg.matchAll(ANY_TIMEOUT)].map((m) => m[1] ?? '');
  return timeouts.length > 0 ? { kind: 'kept', text, timeouts } : { kind: 'absent', text };
}

/** A one-line note for the user when the timeout was not Core's, else undefined. */
export function timeoutWarning(edit: TimeoutEdit): string | undefined {
  switch (edit.kind) {
    case 'shortened':
      return undefined;
    case 'kept':
      return `${ISOLINUX_CFG}: kept ${edit.timeouts.map((t) => `'timeout ${t}'`).join(', ')} (only Core's 'timeout 300' becomes 'timeout 100')`;
    case 'absent':
      return `${ISOLINUX_CFG}: no 'timeout' line, left as it is`;
  }
}

/** `/boot/rootfs64.gz,/boot/modules64.gz` → `boot/rootfs64.gz`, `boot/modules64.gz` (syslinux's list, in load order). Pure. */
export function initrdList(value: string): string[] {
  return value
    .split(',')
    .map(initrdPath)
    .filter((part) => part !== '');
}

/** One name of an initrd list as a path in the ISO: blanks and leading slashes dropped. */
const initrdPath = (part: string) => part.trim().replace(/^\/+/, '');

/** The list with the names in `core` collapsed into `rebuilt`, at the first one's place; other names kept as written. */
function rewriteList(list: string, core: ReadonlySet<string>, rebuilt: string): string {
  const kept: string[] = [];
  let placed = false;
  for (const part of list.split(',')) {
    if (!core.has(initrdPath(part))) kept.push(part);
    else if (!placed) kept.push(initrdPath(part) === rebuilt ? part : `/${rebuilt}`);
    placed ||= core.has(initrdPath(part));
  }
  return kept.join(',');
}

// `initrd LIST` lines and `initrd=LIST` words of the lines Syslinux builds the command line from (it reads a
// `kernel` line's words after the image too); the CR of a CRLF file stays outside the list.
const INITRD_LINE = /^([ \t]*initrd[ \t]+)([^ \t\r\n]+)/gim;
const OPTIONS_LINE = /^[ \t]*(?:append|kernel|linux)[ \t].*$/gim;
const INITRD_OPTION = /(^|[ \t])(initrd=)([^ \t\r\n]+)/gi;

/**
 * isolinux.cfg with every initrd list (an `initrd` line, an `initrd=` in
 * `append` or after a `kernel` line's image) that names one of the Core's
 * initramfs files loading `rebuilt` in their place, so every boot entry
 * boots the rebuilt image; every other byte stays as it was. Paths as in
 * the ISO (`boot/rootfs64.gz`). Pure.
 */
export function rewriteInitrds(cfg: string, core: readonly string[], rebuilt: string): string {
  const names = new Set([...core, rebuilt].map(initrdPath));
  const list = (value: string) => rewriteList(value, names, initrdPath(rebuilt));
  return cfg
    .replace(INITRD_LINE, (_line, head: string, value: string) => `${head}${list(value)}`)
    .replace(OPTIONS_LINE, (line) =>
      line.replace(
        INITRD_OPTION,
        (_word, before: string, key: string, value: string) => `${before}${key}${list(value)}`,
      ),
    );
}
