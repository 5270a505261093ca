import type { Writable } from 'node:stream';
import { onInterrupt } from '../cleanup.js';
import { escapeUnsafe } from '../config/quote.js';
import { MkbundleError, UsageError } from '../errors.js';
import { isoFacts } from '../output/facts.js';
import { errorRecord, failureDocument, jsonLine, successDocument } from '../output/json.js';
import { RunRecord } from '../output/record.js';
import { type IsoResult, runIso } from '../rebuild/run.js';
import { toolVersion } from '../version.js';
import { INTERNAL_EXIT } from './exit-codes.js';
import { formatHelp } from './help.js';
import { type IsoArgs, type IsoProgram, isoCommand, isoInvocation } from './iso-args.js';
import { checkOptions, last, parseOptions } from './parse.js';
import { cliReporter } from './progress.js';
import { isoSummary, outputPaths } from './summary.js';

export interface Io {
  readonly stdout: Writable & { isTTY?: boolean; columns?: number };
  readonly stderr: Writable & { isTTY?: boolean; columns?: number };
  readonly env: NodeJS.ProcessEnv;
  /** How error lines name the program (default mkbundle). */
  readonly program?: string;
}

function errorLine(error: unknown, verbose: boolean): string {
  if (!verbose || !(error instanceof Error)) return '';
  const causes: string[] = [];
  let cause: unknown = error.cause;
  while (cause instanceof Error) {
    causes.push(`  caused by: ${escapeUnsafe(cause.message)}`);
    cause = cause.cause;
  }
  return causes.length > 0 ? `${causes.join('\n')}\n` : '';
}

export async function iso(args: IsoArgs, io: Io, record: RunRecord): Promise<number> {
  const report = cliReporter(io.stderr, io.env, { plain: args.json, quiet: args.quiet, record });
  let result: IsoResult;
  try {
    result = await runIso(args, { env: io.env, report });
    report({ type: 'done' });
  } finally {
    // Before the summary or the error line: nothing is drawn after either.
    report.close();
  }
  io.stdout.write(
    args.json
      ? jsonLine(successDocument(record.facts(), result.outputs, 'iso', isoFacts(result)))
      : args.quiet
        ? outputPaths(result.outputs)
        : isoSummary(result, record),
  );
  return 0;
}

/** Where a usage mistake points for help, and the exit status it gets (diff's is 2: its 1 says the two differ). */
export interface UsageHint {
  /** The command line that prints the help, e.g. `mkbundle iso --help`. */
  readonly help: string;
  readonly exitCode?: number;
}

/**
 * Maps an error to one line on stderr (a UsageError adds where help is) and an exit status;
 * with --json, also the run's one document on stdout.
 * Call sites quote what they cite; escapeUnsafe is the guard for messages that are not
 * ours (a library's, an unexpected error's).
 */
export async function failure(
  error: unknown,
  argv: readonly string[],
  io: Io,
  usage: UsageHint,
  record: RunRecord = new RunRecord('bundle'),
): Promise<number> {
  const verbose = argv.includes('-v') || argv.includes('--verbose');
  const name = io.program ?? 'mkbundle';
  const message = escapeUnsafe(error instanceof Error ? error.message : String(error));
  const exitCode =
    error instanceof UsageError
      ? (usage.exitCode ?? error.exitCode)
      : error instanceof MkbundleError
        ? error.exitCode
        : INTERNAL_EXIT;
  if (argv.includes('--json')) {
    const step = record.step;
    const facts = { ...errorRecord(error, message), ...(step === undefined ? {} : { step }) };
    io.stdout.write(jsonLine(failureDocument(record.facts(), exitCode, facts)));
  }
  if (error instanceof UsageError) {
    io.stderr.write(`${name}: error: ${message}\nsee '${usage.help}'\n`);
    return exitCode;
  }
  if (error instanceof MkbundleError) {
    io.stderr.write(`${name}: ${message}\n${errorLine(error, verbose)}`);
    return exitCode;
  }
  // A stack keeps its lines; each is guarded.
  const stack = verbose && error instanceof Error ? error.stack : undefined;
  const detail = stack === undefined ? message : stack.split('\n').map(escapeUnsafe).join('\n');
  io.stderr.write(`${name}: internal error: ${detail}\n`);
  return exitCode;
}

/**
 * With --json, an interrupted run's document: the signal ends the process
 * before `failure` could write one. Returns what stops listening.
 */
export function jsonOnInterrupt(argv: readonly string[], io: Io, record: RunRecord): () => void {
  if (!argv.includes('--json')) return () => {};
  return onInterrupt((message, exitCode) => {
    const step = record.step;
    const error = { code: 'interrupted', message, ...(step === undefined ? {} : { step }) } as const;
    io.stdout.write(jsonLine(failureDocument(record.facts(), exitCode, error)));
  });
}

/** What `--version` prints: the tool's own name and version, as bundle.json records it. */
export function versionLine(program: string): string {
  const tool = `mkbundle ${toolVersion()}`;
  return program === 'mkbundle' ? `${tool}\n` : `${program} (${tool})\n`;
}

/** `./rebuild-iso [VERSION]` inside an unpacked bundle: `mkbundle iso` with the bundle as its directory. */
export async function rebuildIsoMain(bundleDir: string, argv: readonly string[], io: Io): Promise<number> {
  const program: IsoProgram = { name: 'rebuild-iso', bundleDir };
  const spec = isoCommand(program);
  const named = { ...io, program: 'rebuild-iso' };
  const record = new RunRecord('iso');
  const stopListening = jsonOnInterrupt(argv, io, record);
  try {
    const parsed = await parseOptions(argv, spec);
    if (last(parsed.help)) {
      io.stdout.write(formatHelp(spec));
      return 0;
    }
    if (last(parsed.version)) {
      io.stdout.write(versionLine('rebuild-iso'));
      return 0;
    }
    checkOptions(parsed, spec, argv);
    return await iso(isoInvocation(program, parsed, parsed._.map(String)), named, record);
  } catch (error) {
    return failure(error, argv, named, { help: './rebuild-iso --help' }, record);
  } finally {
    stopListening();
  }
}
