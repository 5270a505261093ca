import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { type BundleResult, planBundle, runBundle } from '../bundle/run.js';
import { type CfgFile, type CfgValues, cfgFromEnv, parseBundleCfg } from '../config/bundle-cfg.js';
import { resolveBundleOptions } from '../config/options.js';
import { formatOrigins } from '../config/origins.js';
import { jsonText, quoted } from '../config/quote.js';
import { UsageError } from '../errors.js';
import { formatPlan } from '../plan/format.js';
import { bundleUsage, type Invocation, parseArgv } from './args.js';
import { type IsoProgram, isoUsage } from './iso-args.js';
import { failure, type Io, iso } from './iso-main.js';
import { cliReporter, formatBytes } from './progress.js';

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

/** The json result: everything but the password, which never leaves the image. */
function jsonResult(result: BundleResult): string {
  return `${jsonText({ ok: true, ...result }, 2)}\n`;
}

async function bundle(invocation: Extract<Invocation, { command: 'bundle' }>, io: Io): Promise<number> {
  const options = await loadOptions(invocation, io.env);
  const report = cliReporter(io.stderr, io.env, options.json);
  let result: BundleResult;
  try {
    for (const message of options.warnings) report({ type: 'warning', message });
    const plan = await planBundle(options);
    if (options.dryRun) {
      const image = { flavour: plan.flavour };
      io.stdout.write(
        options.json
          ? `${jsonText({ ok: true, plan: { ...plan, image }, origins: options.origins }, 2)}\n`
          : `${formatOrigins(options, plan.tree.era)}\n${formatPlan(plan)}`,
      );
      return 0;
    }
    result = await runBundle(options, plan, { env: io.env, report });
    report({ type: 'done' });
  } finally {
    // Before the summary or the error line: nothing is drawn after either.
    report.close();
  }
  io.stdout.write(options.json ? jsonResult(result) : summary(result));
  return 0;
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
