/**
 * The error hierarchy every stage throws. Each carries a one-line,
 * user-facing message naming what failed and where; the CLI maps the class
 * to an exit code and prints `cause` chains only with --verbose.
 */
export abstract class MkbundleError extends Error {
  abstract readonly exitCode: number;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad command line, config file or environment value. */
export class UsageError extends MkbundleError {
  readonly exitCode = 1;
}

/** A network request failed (status, timeout, reset). */
export class FetchError extends MkbundleError {
  readonly exitCode = 3;
}

/** A checksum, size or signature did not match. */
export class IntegrityError extends MkbundleError {
  readonly exitCode = 4;
}

/** An archive or image is unreadable, corrupt or hostile. */
export class ArchiveError extends MkbundleError {
  readonly exitCode = 5;
}

/** A squashfs image could not be opened, read or extracted. */
export class SquashfsError extends MkbundleError {
  readonly exitCode = 5;
}

/** An external program mkbundle needs is not installed. */
export class ToolMissingError extends MkbundleError {
  readonly exitCode = 6;

  constructor(
    readonly program: string,
    readonly debianPackage: string,
  ) {
    super(`${program} not found: install the Debian package '${debianPackage}' (apt-get install ${debianPackage})`);
  }
}

/** A file the build reads or writes could not be used. */
export class InputError extends MkbundleError {
  readonly exitCode = 2;
}

/** A lockfile that cannot be read, is not one, or was made for other lists. */
export class LockError extends InputError {}

/** Under --frozen, an input that is not what the lockfile records: new, changed, appeared or gone. */
export class LockDriftError extends IntegrityError {}

/** The native addon cannot be loaded: not built, built for another system, or a library it links is missing. */
export class AddonError extends MkbundleError {
  readonly exitCode = 6;
}

/** libdeflate could not compress (out of memory, or a failure inside the library). */
export class DeflateError extends MkbundleError {
  readonly exitCode = 5;

  constructor(
    message: string,
    /** The addon's code: ENOMEM, EINTERNAL, ECLOSED, EBUSY. */
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
