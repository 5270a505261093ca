/**
 * The one `--json` output contract of every command (docs/json.md,
 * docs/mkbundle.schema.json): one document per run on stdout, one line,
 * the same keys for success and failure. Pure: the CLI gathers the facts
 * and writes the line.
 */
import { jsonText } from '../config/quote.js';
import {
  AddonError,
  ArchiveError,
  DeflateError,
  FetchError,
  InputError,
  IntegrityError,
  LockDriftError,
  LockError,
  MkbundleError,
  SquashfsError,
  ToolMissingError,
  UsageError,
} from '../errors.js';
import { HttpError } from '../fetch/failure.js';
import type { WrittenOutput } from './publish.js';
import type { StepId, StepTime } from './steps.js';

export const SCHEMA_VERSION = 1;

/** `error.code`: the class of the error, and after a dot a finer kind where the error carries one. */
export const ERROR_CODES = [
  'usage',
  'input',
  'input.lock',
  'fetch',
  'fetch.status',
  'fetch.timeout',
  'fetch.reset',
  'fetch.truncated',
  'fetch.network',
  'fetch.too-large',
  'fetch.slow',
  'fetch.missing',
  'integrity',
  'integrity.lock',
  'archive',
  'archive.squashfs',
  'archive.deflate',
  'tool-missing',
  'tool-missing.addon',
  'interrupted',
  'different',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorRecord {
  readonly code: ErrorCode;
  /** The one line printed on stderr, without the program's name. */
  readonly message: string;
  /** The step that was running, when one was. */
  readonly step?: StepId;
  /** fetch.*: the URL (redacted), and for fetch.status the HTTP status. */
  readonly url?: string;
  readonly status?: number;
  /** tool-missing: the program and the Debian package that has it. */
  readonly program?: string;
  readonly package?: string;
  /** archive.deflate: the native addon's code (ENOMEM, EINTERNAL, …). */
  readonly reason?: string;
}

/** The code and the facts an error carries; `message` is the caller's (escaped) text. */
export function errorRecord(error: unknown, message: string): ErrorRecord {
  if (error instanceof HttpError) {
    return {
      code: `fetch.${error.failure.kind}`,
      message,
      url: error.url,
      ...(error.status === undefined ? {} : { status: error.status }),
    };
  }
  if (error instanceof ToolMissingError) {
    return { code: 'tool-missing', message, program: error.program, package: error.debianPackage };
  }
  if (error instanceof DeflateError) return { code: 'archive.deflate', message, reason: error.code };
  return { code: codeOfClass(error), message };
}

function codeOfClass(error: unknown): ErrorCode {
  if (error instanceof UsageError) return 'usage';
  if (error instanceof LockError) return 'input.lock';
  if (error instanceof InputError) return 'input';
  if (error instanceof FetchError) return 'fetch';
  if (error instanceof LockDriftError) return 'integrity.lock';
  if (error instanceof IntegrityError) return 'integrity';
  if (error instanceof SquashfsError) return 'archive.squashfs';
  if (error instanceof ArchiveError) return 'archive';
  if (error instanceof AddonError) return 'tool-missing.addon';
  // A class added to errors.ts without a code here still maps to its family by exit code.
  if (error instanceof MkbundleError) return FAMILY[error.exitCode] ?? 'internal';
  return 'internal';
}

const FAMILY: Readonly<Record<number, ErrorCode>> = {
  1: 'usage',
  2: 'input',
  3: 'fetch',
  4: 'integrity',
  5: 'archive',
  6: 'tool-missing',
};

export interface RunFacts {
  /** `bundle`, `iso`, …: the command that ran (or was asked for). */
  readonly command: string;
  readonly dryRun: boolean;
  readonly warnings: readonly string[];
  readonly notes: readonly string[];
  /** Steps that finished, in order. */
  readonly steps: readonly StepTime[];
  readonly seconds: number;
}

export interface RunDocument {
  readonly schema: typeof SCHEMA_VERSION;
  readonly ok: boolean;
  readonly exitCode: number;
  readonly command: string;
  readonly dryRun: boolean;
  readonly error: ErrorRecord | null;
  readonly warnings: readonly string[];
  readonly notes: readonly string[];
  readonly outputs: readonly WrittenOutput[];
  readonly steps: readonly StepTime[];
  readonly seconds: number;
  /** The command's own facts, under its name (`bundle`, `iso`) or `plan` for a dry run; absent on failure. */
  readonly [facts: string]: unknown;
}

const rounded = (seconds: number) => Math.round(seconds * 1000) / 1000;

function document(
  run: RunFacts,
  result: { readonly exitCode: number; readonly error: ErrorRecord | null; readonly outputs: readonly WrittenOutput[] },
): RunDocument {
  return {
    schema: SCHEMA_VERSION,
    ok: result.error === null,
    exitCode: result.exitCode,
    command: run.command,
    dryRun: run.dryRun,
    error: result.error,
    warnings: run.warnings,
    notes: run.notes,
    outputs: result.outputs,
    steps: run.steps.map((s) => ({ id: s.id, seconds: rounded(s.seconds) })),
    seconds: rounded(run.seconds),
  };
}

/** A run that succeeded: its outputs, and the command's facts under `key`. */
export function successDocument(
  run: RunFacts,
  outputs: readonly WrittenOutput[],
  key: string,
  facts: unknown,
): RunDocument {
  return { ...document(run, { exitCode: 0, error: null, outputs }), [key]: facts };
}

/** A run that failed: nothing was written under a final name, so no outputs. */
export function failureDocument(run: RunFacts, exitCode: number, error: ErrorRecord): RunDocument {
  return document(run, { exitCode, error, outputs: [] });
}

/**
 * inspect, verify and diff: the report under the command's name. A verify
 * that found problems and a diff of two that differ are not ok, with the
 * exit status they have and the one line that says so.
 */
export function reportDocument(
  run: RunFacts,
  report: unknown,
  outcome: { readonly exitCode: 0 } | { readonly exitCode: number; readonly error: ErrorRecord },
): RunDocument {
  if (!('error' in outcome)) return successDocument(run, [], run.command, report);
  return { ...failureDocument(run, outcome.exitCode, outcome.error), [run.command]: report };
}

/** The document as written: one line, nothing a terminal acts on. */
export function jsonLine(document: RunDocument): string {
  return `${jsonText(document)}\n`;
}
