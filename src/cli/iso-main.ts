import type { Writable } from 'node:stream';
import { escapeUnsafe, jsonText } from '../config/quote.js';
import { MkbundleError, UsageError } from '../errors.js';
import { type IsoResult, runIso } from '../rebuild/run.js';
import { toolVersion } from '../version.js';
import { INTERNAL_EXIT } from './exit-codes.js';
import { formatHelp } from './help.js';
import { type IsoArgs, type IsoProgram, isoCommand, isoInvocation } from './iso-args.js';
import { checkOptions, last, parseOptions } from './parse.js';
import { cliReporter, formatBytes } from './progress.js';

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

function isoSummary(result: IsoResult): string {
  const { initrd } = result;
  return [
    `built ${result.iso} (${result.flavour}, ${formatBytes(result.isoSize)}${result.hybrid ? ', isohybrid' : ''})`,
    `  manifest ${result.manifest}`,
    `  initrd ${formatBytes(initrd.originalSize)} → ${formatBytes(initrd.size)} (${initrd.entries} entries; ${initrd.compression})`,
    `  initrd sha256 ${result.initrdHash}`,
    `  steps: ${Object.entries(result.steps)
      .map(([name, s]) => `${name} ${s.toFixed(1)} s`)
      .join(', ')}; ${result.seconds.toFixed(1)} s in all`,
    '',
  ].join('\n');
}

export async function iso(args: IsoArgs, io: Io): Promise<number> {
  const report = cliReporter(io.stderr, io.env, args.json);
  let result: IsoResult;
  try {
    result = await runIso(args, { env: io.env, report });
    for (const message of result.warnings) report({ type: 'warning', message });
    report({ type: 'done' });
  } finally {
    // Before the summary or the error line: nothing is drawn after either.
    report.close();
  }
  io.stdout.write(args.json ? `${jsonText({ ok: true, ...result }, 2)}\n` : isoSummary(result));
  return 0;
}

/** Where a usage mistake points for help, and the exit status it gets (diff's is 2: its 1 says the two differ). */
export interface UsageHint {
  /** The command line that prints the help, e.g. `mkbundle iso --help`. */
  readonly help: string;
  readonly exitCode?: number;
}

/**
 * Maps an error to one line on stderr (a UsageError adds where help is) and an exit status.
 * Call sites quote what they cite; escapeUnsafe is the guard for messages that are not
 * ours (a library's, an unexpected error's).
 */
export async function failure(error: unknown, argv: readonly string[], io: Io, usage: UsageHint): Promise<number> {
  const verbose = argv.includes('-v') || argv.includes('--verbose');
  const name = io.program ?? 'mkbundle';
  const message = escapeUnsafe(error instanceof Error ? error.message : String(error));
  if (argv.includes('--json')) {
    const kind = error instanceof Error ? error.name : 'Error';
    io.stdout.write(`${jsonText({ ok: false, error: message, kind })}\n`);
  }
  if (error instanceof UsageError) {
    io.stderr.write(`${name}: error: ${message}\nsee '${usage.help}'\n`);
    return usage.exitCode ?? error.exitCode;
  }
  if (error instanceof MkbundleError) {
    io.stderr.write(`${name}: ${message}\n${errorLine(error, verbose)}`);
    return error.exitCode;
  }
  // A stack keeps its lines; each is guarded.
  const stack = verbose && error instanceof Error ? error.stack : undefined;
  const detail = stack === undefined ? message : stack.split('\n').map(escapeUnsafe).join('\n');
  io.stderr.write(`${name}: internal error: ${detail}\n`);
  return INTERNAL_EXIT;
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
    return await iso(isoInvocation(program, parsed, parsed._.map(String)), named);
  } catch (error) {
    return failure(error, argv, named, { help: './rebuild-iso --help' });
  }
}
