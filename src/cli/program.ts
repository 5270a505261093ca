import yargs from 'yargs';
import type { RunRecord } from '../output/record.js';
import type { Io } from './iso-main.js';
import { declareOptions, PARSER_CONFIGURATION, type ParsedArgs, parsedBy } from './parse.js';
import { COMMON_OPTIONS, type CommandSpec, JSON_OPTION, VERBOSE_OPTION } from './spec.js';

export interface Command {
  readonly spec: CommandSpec;
  /** The exit status of a usage mistake, when not UsageError's (diff: 1 says the two differ). */
  readonly usageExit?: number;
  /** Runs with what yargs parsed; `words` are the positionals after the command word. */
  /** `record`: the run's steps, warnings and notes, for its summary and its --json document. */
  run(parsed: ParsedArgs, words: readonly string[], io: Io, record: RunRecord): Promise<number>;
}

export interface Chosen {
  readonly command: Command;
  readonly parsed: ParsedArgs;
  readonly words: readonly string[];
}

/** These may come before the command word too: `mkbundle --json iso …`. */
const GLOBAL_OPTIONS = [...COMMON_OPTIONS, JSON_OPTION, VERBOSE_OPTION];

/**
 * Finds the command (the first word that is not an option's, else the
 * first of `commands`, the default) and parses its options with yargs.
 * `selected` learns the command as soon as yargs picks it, so that a
 * mistake in its options points at its help.
 */
export async function chooseCommand(
  argv: readonly string[],
  commands: readonly Command[],
  selected: (command: Command) => void,
): Promise<Chosen> {
  let chosen: Chosen | undefined;
  const parser = yargs()
    .scriptName('mkbundle')
    .help(false)
    .version(false)
    .exitProcess(false)
    .fail(false)
    .parserConfiguration(PARSER_CONFIGURATION);
  declareOptions(parser, GLOBAL_OPTIONS, true);
  commands.forEach((command, index) => {
    const names = index === 0 ? [command.spec.name, '$0'] : [command.spec.name];
    for (const name of names) {
      parser.command(
        name,
        false,
        (builder) => {
          selected(command);
          return declareOptions(builder, command.spec.options);
        },
        (parsed) => {
          const words = parsed._.map(String);
          chosen = { command, parsed, words: name === '$0' ? words : words.slice(1) };
        },
      );
    }
  });
  await parsedBy(() => parser.parseAsync([...argv]));
  if (chosen === undefined) throw new Error('yargs ran no command');
  return chosen;
}
