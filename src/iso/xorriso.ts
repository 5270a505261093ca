import { QUOTE_LIMIT, quoted } from '../config/quote.js';

/**
 * xorriso reports problems as `PROGRAM : SEVERITY : text` lines on stderr,
 * e.g. `libburn : SORRY : Failed to open device (a pseudo-drive) : Permission denied`.
 * Severities from SORRY up mean the run failed.
 */
const PROBLEM = /^\s*(?:xorriso|libisofs|libburn|libisoburn)\s*:\s*(?:SORRY|MISHAP|FAILURE|FATAL|ABORT)\s*:\s*(.+)$/;

/**
 * The first two problem lines of a failed run, each quoted, joined into one
 * line: the first is the cause (a library's own message), the second
 * usually says which file or option it was about.
 */
export function xorrisoProblem(stderr: string): string | undefined {
  const problems = stderr
    .split('\n')
    .map((line) => PROBLEM.exec(line)?.[1]?.trim())
    .filter((text): text is string => text !== undefined && text !== '');
  const unique = [...new Set(problems)].slice(0, 2);
  // Longer than other quotes: these lines name our own paths, which may be long.
  return unique.length > 0 ? unique.map((text) => quoted(text, 2 * QUOTE_LIMIT)).join('; ') : undefined;
}

/** The problem lines appended to `message`, in parentheses, when there are any. */
export function withXorrisoProblem(message: string, stderr: string): string {
  const problem = xorrisoProblem(stderr);
  return problem === undefined ? message : `${message} (${problem})`;
}

/** What xorriso says when the disk file it writes cannot take the bytes, in errorText's words. */
const DISK_FULL: readonly (readonly [RegExp, string])[] = [
  [/No space left on device|exceeds free space on media/i, 'no space left on device'],
  [/Disk quota exceeded/i, 'disk quota exceeded'],
  [/Read-only file system/i, 'read-only file system'],
];

/** Why xorriso could not write a file on disk, when its stderr says the disk is full or read-only. */
export function diskFullReason(stderr: string): string | undefined {
  return DISK_FULL.find(([pattern]) => pattern.test(stderr))?.[1];
}
