import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { type BundleResult, planBundle, runBundle } from '../bundle/run.js';
import { cfgFromEnv, parseBundleCfg } from '../config/bundle-cfg.js';
import { type BundleOptions, resolveBundleOptions } from '../config/options.js';
import { MkbundleError, UsageError } from '../errors.js';
import { formatPlan } from '../plan/format.js';
import { type IsoResult, runIso } from '../rebuild/run.js';
import { bundleUsage, type Invocation, parseArgv } from './args.js';
import { type IsoProgram, isoUsage, parseIsoArgv } from './iso-args.js';
import { formatBytes, plainReporter, type Reporter, ttyReporter } from './progress.js';

export interface Io {
  readonly stdout: Writable & { isTTY?: boolean; columns?: number };
  readonly stderr: Writable & { isTTY?: boolean; columns?: number };
  readonly env: NodeJS.ProcessEnv;
  /** How error lines name the program (default mkbundle). */
  readonly program?: string;
}

async function readable(file: string): Promise<boolean> {
  try {
    await access(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

async function loadOptions(invocation: Extract<Invocation, { command: 'bundle' }>, env: NodeJS.ProcessEnv) {
  let cfg = {};
  if (invocation.configFile !== undefined) {
    let text: string;
    try {
      text = await readFile(invocation.configFile, 'utf8');
    } catch {
      throw new UsageError(`the config file '${invocation.configFile}' is not a readable file`);
    }
    cfg = parseBundleCfg(text, invocation.configFile);
  }
  const options = resolveBundleOptions(invocation.args, cfgFromEnv(env), cfg);
  for (const [what, file] of [
    ['builtin-list', options.builtinList],
    ['mirror-list', options.mirrorList],
  ] as const) {
    if (!(await readable(file))) {
      throw new UsageError(`the '${what}' value must be a readable file: '${file}'`);
    }
  }
  return options;
}

function summary(result: BundleResult): string {
  const { manifest } = result;
  return [
    `built ${result.bundle} (${manifest.flavour}, ${formatBytes(result.size)})`,
    `  sha256 ${result.sha256}`,
    `  Tiny Core ${manifest.tinycore.version} ${manifest.tinycore.arch}, kernel ${manifest.tinycore.kernelVersion}`,
    `  ${manifest.extensions.onboot.length} onboot extensions (${manifest.extensions.builtin.length} with deps), ${manifest.extensions.mirror.length} on the local mirror, ${manifest.gems.length} gems`,
    `  ${result.requests} requests, ${formatBytes(result.bytesFetched)} fetched, ${formatBytes(result.bytesFromCache)} from the cache, ${result.seconds.toFixed(1)} s`,
    '',
  ].join('\n');
}

function reporterFor(options: BundleOptions, io: Io): Reporter {
  if (options.json) return plainReporter(io.stderr);
  return io.stderr.isTTY ? ttyReporter(io.stderr) : plainReporter(io.stderr);
}

/** The json result: everything but the password, which never leaves the image. */
function jsonResult(result: BundleResult): string {
  return `${JSON.stringify({ ok: true, ...result }, null, 2)}\n`;
}

async function bundle(invocation: Extract<Invocation, { command: 'bundle' }>, io: Io): Promise<number> {
  const options = await loadOptions(invocation, io.env);
  const report = reporterFor(options, io);
  for (const message of options.warnings) report({ type: 'warning', message });
  const plan = await planBundle(options);
  if (options.dryRun) {
    io.stdout.write(
      options.json
        ? `${JSON.stringify({ ok: true, plan: { ...plan, image: { flavour: plan.flavour } } }, null, 2)}\n`
        : formatPlan(plan),
    );
    return 0;
  }
  const result = await runBundle(options, plan, { env: io.env, report });
  io.stdout.write(options.json ? jsonResult(result) : summary(result));
  return 0;
}

function errorLine(error: unknown, verbose: boolean): string {
  if (!verbose || !(error instanceof Error)) return '';
  const causes: string[] = [];
  let cause: unknown = error.cause;
  while (cause instanceof Error) {
    causes.push(`  caused by: ${cause.message}`);
    cause = cause.cause;
  }
  return causes.length > 0 ? `${causes.join('\n')}\n` : '';
}

function isoSummary(result: IsoResult): string {
  const { initrd } = result;
  const ratio = ((100 * initrd.size) / initrd.gzipSize).toFixed(1);
  return [
    `built ${result.iso} (${result.flavour}, ${formatBytes(result.isoSize)}${result.hybrid ? ', isohybrid' : ''})`,
    `  manifest ${result.manifest}`,
    `  initrd ${formatBytes(initrd.originalSize)} → ${formatBytes(initrd.size)} (${initrd.entries} entries; ${initrd.recompression}; ${ratio}% of gzip -9)`,
    `  initrd sha256 ${result.initrdHash}`,
    `  steps: ${Object.entries(result.steps)
      .map(([name, s]) => `${name} ${s.toFixed(1)} s`)
      .join(', ')}; ${result.seconds.toFixed(1)} s in all`,
    '',
  ].join('\n');
}

async function iso(program: IsoProgram, argv: readonly string[], io: Io): Promise<number> {
  const invocation = await parseIsoArgv(program, argv);
  if (invocation.command === 'help') {
    io.stdout.write(`${invocation.usage}\n`);
    return 0;
  }
  const { args } = invocation;
  const report = args.json || !io.stderr.isTTY ? plainReporter(io.stderr) : ttyReporter(io.stderr);
  const result = await runIso(args, { env: io.env, report });
  for (const message of result.warnings) report({ type: 'warning', message });
  io.stdout.write(args.json ? `${JSON.stringify({ ok: true, ...result }, null, 2)}\n` : isoSummary(result));
  return 0;
}

/** Maps an error to one line on stderr (and the usage for a UsageError) and an exit status. */
async function failure(error: unknown, argv: readonly string[], io: Io, usage: () => Promise<string>): Promise<number> {
  const verbose = argv.includes('-v') || argv.includes('--verbose');
  const name = io.program ?? 'mkbundle';
  if (argv.includes('--json')) {
    const message = error instanceof Error ? error.message : String(error);
    const kind = error instanceof Error ? error.name : 'Error';
    io.stdout.write(`${JSON.stringify({ ok: false, error: message, kind })}\n`);
  }
  if (error instanceof UsageError) {
    io.stderr.write(`${name}: error: ${error.message}\n\n${await usage()}\n`);
    return error.exitCode;
  }
  if (error instanceof MkbundleError) {
    io.stderr.write(`${name}: ${error.message}\n${errorLine(error, verbose)}`);
    return error.exitCode;
  }
  const detail = error instanceof Error ? (verbose ? (error.stack ?? error.message) : error.message) : String(error);
  io.stderr.write(`${name}: internal error: ${detail}\n`);
  return 70;
}

/** `./rebuild-iso VERSION` inside an unpacked bundle. */
export async function rebuildIsoMain(bundleDir: string, argv: readonly string[], io: Io): Promise<number> {
  const program: IsoProgram = { name: 'rebuild-iso', bundleDir };
  const named = { ...io, program: 'rebuild-iso' };
  try {
    return await iso(program, argv, named);
  } catch (error) {
    return failure(error, argv, named, () => isoUsage(program));
  }
}

/** Runs mkbundle; returns the exit status. Errors are one line on stderr. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  if (argv[0] === 'iso') {
    const program: IsoProgram = { name: 'mkbundle iso' };
    try {
      return await iso(program, argv.slice(1), io);
    } catch (error) {
      return failure(error, argv, io, () => isoUsage(program));
    }
  }
  try {
    const invocation = await parseArgv(argv);
    if (invocation.command === 'help') {
      io.stdout.write(`${invocation.usage}\n`);
      return 0;
    }
    return await bundle(invocation, io);
  } catch (error) {
    return failure(error, argv, io, bundleUsage);
  }
}
