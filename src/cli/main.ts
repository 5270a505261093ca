import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { dryRun } from '../bundle/dry-run.js';
import { type BundleResult, planBundle, runBundle } from '../bundle/run.js';
import { type CfgFile, type CfgValues, cfgFromEnv, parseBundleCfg } from '../config/bundle-cfg.js';
import { resolveBundleOptions } from '../config/options.js';
import { quoted } from '../config/quote.js';
import { UsageError } from '../errors.js';
import { bundleFacts, planFacts } from '../output/facts.js';
import { jsonLine, successDocument } from '../output/json.js';
import { RunRecord } from '../output/record.js';
import { BUNDLE_COMMAND, type BundleInvocation, bundleEnvironment, bundleInvocation } from './args.js';
import { CACHE_COMMAND } from './cache-command.js';
import { COMPLETION_FLAG, completionScript, completions } from './completion.js';
import { DIFF_COMMAND } from './diff-command.js';
import { dryRunText } from './dry-run-text.js';
import { formatHelp } from './help.js';
import { INSPECT_COMMAND } from './inspect-command.js';
import { isoCommand, isoInvocation } from './iso-args.js';
import { failure, type Io, iso, jsonOnInterrupt, versionLine } from './iso-main.js';
import { checkOptions, last } from './parse.js';
import { type Command, chooseCommand } from './program.js';
import { cliReporter } from './progress.js';
import { COMMON_OPTIONS, type CommandSpec } from './spec.js';
import { suggest } from './suggest.js';
import { bundleSummary, outputPaths } from './summary.js';
import { VERIFY_COMMAND } from './verify-command.js';

export type { Io };

/** Why `file` is not a readable file, or undefined when it is one. */
async function unreadable(file: string): Promise<string | undefined> {
  try {
    if ((await stat(file)).isDirectory()) return 'a directory';
    await access(file, constants.R_OK);
    return undefined;
  } catch {
    return 'missing or unreadable';
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

async function loadOptions(invocation: BundleInvocation, env: NodeJS.ProcessEnv) {
  const cfg = await readCfg(invocation.configFile);
  const options = resolveBundleOptions(invocation.args, cfgFromEnv(env), cfg);
  for (const [what, file] of [
    ['builtin-list', options.builtinList],
    ['mirror-list', options.mirrorList],
  ] as const) {
    const why = await unreadable(file);
    if (why !== undefined)
      throw new UsageError(`the '${what}' value must be a readable file: ${quoted(file)} is ${why}`);
  }
  return options;
}

async function bundle(invocation: BundleInvocation, io: Io, record: RunRecord): Promise<number> {
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

/** The spec of a command that takes only -h and -V. */
const plainCommand = (
  name: string,
  summary: string,
  positionals: CommandSpec['positionals'],
  examples: CommandSpec['examples'],
): CommandSpec => ({
  name,
  program: `mkbundle ${name}`,
  summary,
  synopsis: positionals.map((p) => (p.optional ? `[${p.name}]` : p.name)).join(' '),
  description: [`${summary[0]?.toUpperCase()}${summary.slice(1)}.`],
  positionals,
  options: COMMON_OPTIONS,
  examples,
  notes: [],
});

const noArguments = (words: readonly string[]) => {
  if (words.length > 0) throw new UsageError(`unexpected argument ${quoted(words[0] ?? '')}`);
};

const BUNDLE: Command = {
  spec: BUNDLE_COMMAND,
  run: (parsed, words, io, record) =>
    bundle(
      bundleInvocation(
        parsed,
        words,
        COMMANDS.slice(1).map((c) => c.spec),
      ),
      io,
      record,
    ),
};

const ISO: Command = {
  spec: isoCommand({ name: 'mkbundle iso' }),
  run: (parsed, words, io, record) => iso(isoInvocation({ name: 'mkbundle iso' }, parsed, words), io, record),
};

const COMPLETION: Command = {
  spec: plainCommand(
    'completion',
    'print the bash completion script',
    [],
    [
      { line: 'source <(mkbundle completion)', describe: 'complete mkbundle in this shell' },
      { line: 'mkbundle completion >> ~/.bashrc', describe: 'and in every new one' },
    ],
  ),
  async run(_parsed, words, io) {
    noArguments(words);
    io.stdout.write(await completionScript());
    return 0;
  },
};

const HELP: Command = {
  spec: plainCommand(
    'help',
    'print the help of mkbundle or of a command',
    [{ name: 'COMMAND', optional: true, describe: 'the command to explain' }],
    [{ line: 'mkbundle help iso', describe: 'the same as mkbundle iso --help' }],
  ),
  async run(_parsed, words, io) {
    const [name, ...extra] = words;
    noArguments(extra);
    const command = name === undefined ? BUNDLE : COMMANDS.find((c) => c.spec.name === name);
    if (command === undefined) {
      const near = suggest(
        name ?? '',
        COMMANDS.map((c) => c.spec.name),
      );
      throw new UsageError(
        `unknown command ${quoted(name ?? '')}${near === undefined ? '' : ` (did you mean '${near}'?)`}`,
      );
    }
    io.stdout.write(helpText(command));
    return 0;
  },
};

const VERSION: Command = {
  spec: plainCommand(
    'version',
    'print the version',
    [],
    [{ line: 'mkbundle version', describe: 'the same as mkbundle --version' }],
  ),
  async run(_parsed, words, io) {
    noArguments(words);
    io.stdout.write(versionLine('mkbundle'));
    return 0;
  },
};

/** Every command; the first is the default. */
export const COMMANDS: readonly Command[] = [
  BUNDLE,
  ISO,
  INSPECT_COMMAND,
  VERIFY_COMMAND,
  DIFF_COMMAND,
  CACHE_COMMAND,
  COMPLETION,
  HELP,
  VERSION,
];

/** A command's `--help`; the default command's is mkbundle's own, with the other commands and the environment. */
export function helpText(command: Command): string {
  if (command !== BUNDLE) return formatHelp(command.spec);
  return formatHelp(command.spec, { commands: COMMANDS.map((c) => c.spec), environment: bundleEnvironment() });
}

/** Runs mkbundle; returns the exit status. Errors are one line on stderr (and, with --json, one document on stdout). */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const record = new RunRecord(BUNDLE.spec.name);
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
  let command = BUNDLE;
  try {
    if (argv[0] === COMPLETION_FLAG) {
      const words = completions(
        argv.slice(1),
        COMMANDS.map((c) => c.spec),
      );
      io.stdout.write(words.map((w) => `${w}\n`).join(''));
      return 0;
    }
    const chosen = await chooseCommand(argv, COMMANDS, (selected) => {
      command = selected;
      record.command = selected.spec.name;
    });
    command = chosen.command;
    record.command = command.spec.name;
    if (last(chosen.parsed.help)) {
      io.stdout.write(helpText(command));
      return 0;
    }
    if (last(chosen.parsed.version)) {
      io.stdout.write(versionLine('mkbundle'));
      return 0;
    }
    checkOptions(chosen.parsed, command.spec, argv);
    return await command.run(chosen.parsed, chosen.words, io, record);
  } catch (error) {
    // help's mistake is a command name: the list of them is mkbundle's own help.
    const help = command === HELP ? 'mkbundle --help' : `mkbundle ${command.spec.name} --help`;
    const hint = { help, ...(command.usageExit === undefined ? {} : { exitCode: command.usageExit }) };
    return failure(error, argv, io, hint, record);
  }
}
