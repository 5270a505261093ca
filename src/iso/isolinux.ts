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
