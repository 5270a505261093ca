import { constants } from 'node:os';
import { ArchiveError, FetchError, InputError, IntegrityError, ToolMissingError, UsageError } from '../errors.js';

/** The status of an error that is none of the error classes': a bug. */
export const INTERNAL_EXIT = 70;

/** What each exit status means; the codes are the error classes' own. */
export const EXIT_CODES: readonly (readonly [number, string])[] = [
  [0, 'success'],
  [new UsageError('').exitCode, 'a usage mistake: an option, argument, config file or environment value'],
  [new InputError('').exitCode, 'a file to read or write: missing, unreadable, not a bundle, read-only, a full disk'],
  [new FetchError('').exitCode, 'a download: an HTTP status, a timeout, a reset, over its size limit'],
  [new IntegrityError('').exitCode, 'a checksum or size that does not match'],
  [new ArchiveError('').exitCode, 'an archive or image that is corrupt, truncated or hostile'],
  [new ToolMissingError('', '').exitCode, 'a program or the native addon mkbundle needs is missing'],
  [INTERNAL_EXIT, 'an internal error (a bug: please report it with the output of --verbose)'],
  [128 + constants.signals.SIGINT, 'interrupted (Ctrl-C): temporary files are removed, earlier outputs kept'],
  [128 + constants.signals.SIGTERM, 'terminated (SIGTERM): the same'],
];
