import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { dryRun } from '../bundle/dry-run.js';
import { type BundleResult, planBundle, runBundle } from '../bundle/run.js';
import { type CfgFile, type CfgValues, cfgFromEnv, parseBundleCfg } from '../config/bundle-cfg.js';
import { resolveBundleOptions } from '../config/options.js';
import { quoted } from '../config/quote.js';
import { UsageError } from '../errors.js';
import { bundleFacts, planFacts } from '../output/facts.js';
import { jsonLine, successDocument } from '../output/json.js';
import { RunRecord } from '../output/record.js';
import { bundleUsage, type Invocation, parseArgv } from './args.js';
import { type IsoProgram, isoUsage } from './iso-args.js';
import { failure, type Io, iso, jsonOnInterrupt } from './iso-main.js';
import { cliReporter } from './progress.js';
import { bundleSummary, dryRunText, outputPaths } from './summary.js';

export type { Io };

async function readable(file: string): Promise<boolean> {
  try {
    await access(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

async function readCfg(file: string | undefined): Promise<CfgFile | CfgValues> {
  if (file === undefined) return {};
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UsageError(`the config file ${quoted(file)} is not a readable file`);
  }
  return parseBundleCfg(text, file);
}

async function loadOptions(invocation: Extract<Invocation, { command: 'bundle' }>, env: NodeJS.ProcessEnv) {
  const cfg = await readCfg(invocation.configFile);
  const options = resolveBundleOptions(invocation.args, cfgFromEnv(env), cfg);
  for (const [what, file] of [
    ['builtin-list', options.builtinList],
    ['mirror-list', options.mirrorList],
  ] as const) {
    if (!(await readable(file))) {
      throw new UsageError(`the '${what}' value must be a readable file: ${quoted(file)}`);
    }
  }
  return options;
}

async function bundle(
  invocation: Extract<Invocation, { command: 'bundle' }>,
  io: Io,
  record: RunRecord,
): Promise<number> {
  const options = await loadOptions(invocation, io.env);
  record.dryRun = options.dryRun;
  const quiet = invocation.args.quiet ?? false;
  const report = cliReporter(io.stderr, io.env, { plain: options.json, quiet, record });
  let result: BundleResult;
  try {
    for (const message of options.warnings) report({ type: 'warning', message });
    const plan = await planBundle(options);
    if (options.dryRun) {
      const dry = await dryRun(options, plan, io.env);
      report.close();
      io.stdout.write(
        options.json
          ? jsonLine(successDocument(record.facts(), [], 'plan', planFacts(plan, dry)))
          : quiet
            ? outputPaths(dry.outputs)
            : dryRunText(options, plan, dry),
      );
      return 0;
    }
    result = await runBundle(options, plan, { env: io.env, report });
    report({ type: 'done' });
  } finally {
    // Before the summary or the error line: nothing is drawn after either.
    report.close();
  }
  io.stdout.write(
    options.json
      ? jsonLine(successDocument(record.facts(), result.outputs, 'bundle', bundleFacts(result)))
      : quiet
        ? outputPaths(result.outputs)
        : bundleSummary(result, record),
  );
  return 0;
}

/** Runs mkbundle; returns the exit status. Errors are one line on stderr. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const record = new RunRecord(argv[0] === 'iso' ? 'iso' : 'bundle');
  // Until the options are read: a usage error of a dry run is a dry run's.
  record.dryRun = argv.includes('--dry-run');
  const stopListening = jsonOnInterrupt(argv, io, record);
  try {
    return await dispatch(argv, io, record);
  } finally {
    stopListening();
  }
}

async function dispatch(argv: readonly string[], io: Io, record: RunRecord): Promise<number> {
  if (argv[0] === 'iso') {
    const program: IsoProgram = { name: 'mkbundle iso' };
    try {
      return await iso(program, argv.slice(1), io, record);
    } catch (error) {
      return failure(error, argv, io, () => isoUsage(program), record);
    }
  }
  try {
    const invocation = await parseArgv(argv);
    if (invocation.command === 'help') {
      io.stdout.write(`${invocation.usage}\n`);
      return 0;
    }
    return await bundle(invocation, io, record);
  } catch (error) {
    return failure(error, argv, io, bundleUsage, record);
  }
}
