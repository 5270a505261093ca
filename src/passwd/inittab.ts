import { InputError } from '../errors.js';
import { joinLines, splitLines } from './lines.js';

/** The debug flavour's tty1 entry: log `tc` in without a password prompt. */
export const AUTOLOGIN_TTY1 = 'tty1::respawn:/sbin/getty -nl /sbin/autologin 38400 tty1';

/**
 * Replaces the tty1 getty entry with `AUTOLOGIN_TTY1`, whatever its spacing,
 * action or getty options; idempotent. Other lines are kept byte-for-byte.
 */
export function enableAutologin(text: string, file: string): string {
  const lines = splitLines(text);
  const matches = lines.filter((line) => isTty1Getty(line.text));
  if (matches.length === 0) throw new InputError(`${file}: no tty1 getty entry to enable autologin on`);
  if (matches.length > 1) throw new InputError(`${file}: ${matches.length} tty1 getty entries; expected one`);
  return joinLines(lines.map((line) => (isTty1Getty(line.text) ? { text: AUTOLOGIN_TTY1, eol: line.eol } : line)));
}

/** busybox inittab lines are `id:runlevels:action:process`; `#` starts a comment. */
export function isTty1Getty(line: string): boolean {
  if (line.trimStart().startsWith('#')) return false;
  const fields = line.split(':');
  if (fields.length < 4 || fields[0]?.trim() !== 'tty1') return false;
  const [program] = fields.slice(3).join(':').trim().split(/\s+/);
  return program === '/sbin/getty';
}
