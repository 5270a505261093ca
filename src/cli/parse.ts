import yargs, { type Argv } from 'yargs';
import { quoted } from '../config/quote.js';
import { MkbundleError, UsageError } from '../errors.js';
import { type CommandSpec, camelKey, kebabName, type OptionSpec } from './spec.js';
import { suggest } from './suggest.js';

/** What yargs gives a command: each option's value under its camelCase key, the other words in `_`. */
export interface ParsedArgs {
  readonly _: readonly (string | number)[];
  readonly [key: string]: unknown;
}

/**
 * One configuration for every parse: positional words stay text (VERSION
 * `1.10` is not the number 1.1), and only the long names' camelCase keys
 * are kept, which `checkOptions` compares with the spec.
 */
export const PARSER_CONFIGURATION = {
  'parse-positional-numbers': false,
  'strip-aliased': true,
  'strip-dashed': true,
} as const;

/** Declares `options` to yargs; `global` ones are known before the command word too. */
export function declareOptions<T>(parser: Argv<T>, options: readonly OptionSpec[], global = false): Argv<T> {
  for (const option of options) {
    parser.option(option.long, {
      ...(option.short === undefined ? {} : { alias: option.short }),
      type: option.number ? 'number' : option.value === undefined ? 'boolean' : 'string',
      ...(option.repeatable ? { array: true, nargs: 1 } : {}),
      global,
    });
  }
  return parser;
}

/** A bare yargs for one command's options (`./rebuild-iso`, which has no command word). */
export async function parseOptions(argv: readonly string[], spec: CommandSpec): Promise<ParsedArgs> {
  const parser = yargs()
    .help(false)
    .version(false)
    .exitProcess(false)
    .fail(false)
    .parserConfiguration(PARSER_CONFIGURATION);
  declareOptions(parser, spec.options);
  return parsedBy(() => parser.parseAsync([...argv]));
}

/** What yargs parsed; its own complaints (`Not enough arguments following: dpkg-list`) are usage errors. */
export async function parsedBy(parse: () => Promise<unknown>): Promise<ParsedArgs> {
  try {
    return (await parse()) as ParsedArgs;
  } catch (error) {
    if (error instanceof MkbundleError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    const missing = /^Not enough arguments following: (.+)$/.exec(message);
    const text = missing === null ? message : `option '--${kebabName(missing[1] ?? '')}' needs a value`;
    throw new UsageError(text, { cause: error });
  }
}

/** A flag given twice comes as an array: the last one counts, as in the seed's getopt loop. */
export function last(value: unknown): unknown {
  return Array.isArray(value) ? value[value.length - 1] : value;
}

/** How the user wrote the option yargs filed under `key`: `-x`, `--ouput`, `--no-dep`. */
function typedAs(key: string, argv: readonly string[]): string {
  if (key.length === 1) return `-${key}`;
  const end = argv.indexOf('--');
  for (const word of end === -1 ? argv : argv.slice(0, end)) {
    if (!word.startsWith('--')) continue;
    const name = word.slice(2).split('=')[0] ?? '';
    if (camelKey(name) === key || camelKey(name.replace(/^no-/, '')) === key) return `--${name}`;
  }
  return `--${kebabName(key)}`;
}

/** A UsageError for the first option given that `spec` does not have, with the nearest one it has. */
export function checkOptions(parsed: ParsedArgs, spec: CommandSpec, argv: readonly string[]): void {
  const { options } = spec;
  const known = new Set(options.map((o) => camelKey(o.long)));
  const unknown = Object.keys(parsed).find((key) => key !== '_' && key !== '$0' && !known.has(key));
  if (unknown === undefined) return;
  const typed = typedAs(unknown, argv);
  const longs = options.map((o) => (o.negated ? `no-${o.long}` : o.long));
  const near = typed.startsWith('--') ? suggest(typed.slice(2), longs) : undefined;
  const hint = near === undefined ? '' : ` (did you mean '--${near}'?)`;
  throw new UsageError(`unknown option ${quoted(typed)}${hint}`);
}

/** The option of `spec` whose value must not be empty, when it is. */
export function checkValues(parsed: ParsedArgs, spec: CommandSpec, allowEmpty: readonly string[] = []): void {
  for (const option of spec.options) {
    if (option.value === undefined || allowEmpty.includes(option.long)) continue;
    const value = parsed[camelKey(option.long)];
    const values = option.repeatable && Array.isArray(value) ? value : [last(value)];
    if (values.includes('')) throw new UsageError(`option '--${option.long}' needs a value`);
  }
}
