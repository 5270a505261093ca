import { FetchError, IntegrityError, LockDriftError } from '../errors.js';
import { NotCachedError } from '../fetch/cache.js';
import { HttpError, isOverLimit } from '../fetch/failure.js';

/** The extension directory and its copies (`--mirror` given more than once), in the order to try them. */
export interface Mirrors {
  readonly primary: string;
  readonly fallbacks: readonly string[];
}

/** The same file on each mirror, primary first; a URL not under the primary has no alternative. */
export function alternativesOf(url: string, mirrors: Mirrors): string[] {
  const prefix = `${mirrors.primary}/`;
  if (!url.startsWith(prefix)) return [url];
  const path = url.slice(prefix.length);
  return [url, ...mirrors.fallbacks.map((base) => `${base}/${path}`)];
}

/**
 * Whether another mirror may make good what one failed to give: a status,
 * a timeout, a reset or a truncated body after the retries (a mirror that is
 * down or behind), a body that fails its checksum (a mirror mid-sync), a
 * file --offline finds no copy of. Not a body over its size limit (that
 * stops the run wherever it came from), nor a --frozen drift (the lock names
 * one URL).
 */
export function fallsBack(error: unknown): boolean {
  if (error instanceof LockDriftError || isOverLimit(error)) return false;
  return error instanceof HttpError || error instanceof IntegrityError || error instanceof NotCachedError;
}

/** Every mirror failed to give one file: what each said, in the order tried. */
export class MirrorsFailedError extends FetchError {
  constructor(readonly failures: readonly Error[]) {
    super(`every mirror failed: ${failures.map((f) => f.message).join('; ')}`, { cause: failures[0] });
  }
}

/** One failure is that failure; several are one line naming each mirror's. */
export function failureOf(failures: readonly Error[]): Error {
  const [only] = failures;
  if (failures.length === 1 && only !== undefined) return only;
  return new MirrorsFailedError(failures);
}
