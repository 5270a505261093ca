import { InputError, UsageError } from '../errors.js';
import { joinLines, type Line, splitLines } from './lines.js';

/** The Microkernel's login user. */
export const TC_USER = 'tc';
const NO_LOGIN_USERS = ['root', TC_USER] as const;

interface Entry {
  readonly index: number;
  readonly line: Line;
  readonly fields: string[];
}

/** `!` (locked) and `*` (no password can match) both disable password login. */
export function isLocked(field: string): boolean {
  return field.startsWith('!') || field.startsWith('*');
}

/** Returns the shadow text with the `tc` password field set to `hash`; every other byte is kept. */
export function setTcPassword(text: string, hash: string, file: string): string {
  if (/[:\r\n]/.test(hash)) throw new UsageError("password hash must not contain ':' or line breaks");
  const lines = splitLines(text);
  const { index, line, fields } = findUser(lines, TC_USER, file);
  fields[1] = hash;
  lines[index] = { text: fields.join(':'), eol: line.eol };
  return joinLines(lines);
}

/** The password field of `user`; InputError if the user is absent, duplicated or malformed. */
export function passwordField(text: string, user: string, file: string): string {
  return findUser(splitLines(text), user, file).fields[1] ?? '';
}

/** Sanity check for prod bundles: neither `root` nor `tc` may log in with a password. */
export function assertNoLogin(text: string, file: string): void {
  for (const user of NO_LOGIN_USERS) {
    if (!isLocked(passwordField(text, user, file))) {
      throw new InputError(`${file}: user ${user} can log in with a password; expected a locked field ('!' or '*')`);
    }
  }
}

function findUser(lines: readonly Line[], user: string, file: string): Entry {
  const entries = lines.flatMap((line, index) => {
    const fields = line.text.split(':');
    return fields[0] === user ? [{ index, line, fields }] : [];
  });
  const [entry] = entries;
  if (entry === undefined) throw new InputError(`${file}: no entry for user ${user}`);
  if (entries.length > 1) throw new InputError(`${file}: ${entries.length} entries for user ${user}`);
  if (entry.fields.length < 2) throw new InputError(`${file}: malformed entry for user ${user}`);
  return entry;
}
