import { InputError } from './errors.js';

/**
 * File system errors as short human reasons, for one-line messages such as
 * `cannot write /x/y.iso: no space left on device`. The one place both
 * stages (fetch, cache, ISO) turn an errno code into words.
 */

/** Reasons where libuv's own text (`illegal operation on a directory`, …) says less than it could. */
const REASONS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EBUSY: 'device or resource busy',
  EDQUOT: 'disk quota exceeded',
  EEXIST: 'already exists',
  EFBIG: 'file too large',
  EIO: 'input/output error',
  EISDIR: 'is a directory',
  ELOOP: 'too many levels of symbolic links',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'name too long',
  ENFILE: 'too many open files in the system',
  ENOENT: 'no such file or directory',
  ENOSPC: 'no space left on device',
  ENOTDIR: 'not a directory',
  ENOTEMPTY: 'directory not empty',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ETXTBSY: 'text file busy',
  EXDEV: 'not on the same file system',
};

/** The short reason for an errno code, if it is one file operations meet. */
export function reasonFor(code: string): string | undefined {
  return REASONS[code];
}

export function codeOf(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

export function isCode(err: unknown, code: string): boolean {
  return codeOf(err) === code;
}

/** Node's `CODE: text, syscall 'path'` message: the text part. */
const NODE_MESSAGE = /^[A-Z][A-Z0-9_]+: ([^,]+)/;

/**
 * The reason an error gives, without codes or paths: `permission denied`
 * for EACCES, libuv's text for other errno codes, else the message.
 */
export function errorText(err: unknown): string {
  const code = codeOf(err);
  const known = code === undefined ? undefined : REASONS[code];
  if (known !== undefined) return known;
  const message = err instanceof Error ? err.message : String(err);
  return (code !== undefined && NODE_MESSAGE.exec(message)?.[1]) || message;
}

/** A Node file system error: an errno code and the syscall that failed. */
export function isSystemError(err: unknown): err is NodeJS.ErrnoException & { code: string; syscall: string } {
  return codeOf(err) !== undefined && typeof (err as NodeJS.ErrnoException).syscall === 'string';
}

/** The path a file system error is about: the destination of a rename or copy, else its path. */
export function pathOf(err: unknown): string | undefined {
  const e = err as NodeJS.ErrnoException & { dest?: unknown };
  if (typeof e?.dest === 'string') return e.dest;
  return typeof e?.path === 'string' ? e.path : undefined;
}

/** Codes that only a write can meet. */
const WRITE_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EFBIG']);

/**
 * A Node file system error that escaped a stage (a full disk, a directory
 * that went away) as an InputError naming its path, or the step it
 * happened in: such faults are the environment's, not internal errors.
 * Other errors are returned as they are.
 */
export function systemErrorAsInput(err: unknown, step?: string): unknown {
  if (!isSystemError(err)) return err;
  return new InputError(`${where(err, step)}${errorText(err)}`, { cause: err });
}

function where(err: NodeJS.ErrnoException & { code: string }, step: string | undefined): string {
  const path = pathOf(err);
  if (path !== undefined) return WRITE_CODES.has(err.code) ? `cannot write ${path}: ` : `${path}: `;
  return step === undefined ? '' : `while '${step}': `;
}
