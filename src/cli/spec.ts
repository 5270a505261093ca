/**
 * The command line as data: each command's arguments, options, examples and
 * notes. yargs parses with it, `--help` and the man page (docs/mkbundle.1)
 * are rendered from it, and completion lists from it, so the four never
 * disagree.
 */

/** The headings options are listed under, in this order. */
export const GROUPS = ['Inputs', 'Flavour', 'Sources', 'Output', 'Behaviour'] as const;
export type Group = (typeof GROUPS)[number];

export interface OptionSpec {
  /** The long name, without dashes. */
  readonly long: string;
  readonly short?: string;
  /** What the value is (`FILE`, `URL`, `N`, `sha512|md5`…); none: a flag. */
  readonly value?: string;
  /** A number (yargs parses it as one). */
  readonly number?: true;
  /** Given again, it adds to a list instead of replacing the value. */
  readonly repeatable?: true;
  /** A flag that is on unless given as `--no-LONG`, the only form help shows. */
  readonly negated?: true;
  readonly describe: string;
  readonly group: Group;
}

export interface PositionalSpec {
  readonly name: string;
  readonly optional?: true;
  readonly describe: string;
}

export interface ExampleSpec {
  /** The whole command line. */
  readonly line: string;
  readonly describe: string;
}

export interface CommandSpec {
  readonly name: string;
  /** The program name as the usage shows it (`mkbundle iso`, `rebuild-iso`). */
  readonly program: string;
  /** One line for the Commands list. */
  readonly summary: string;
  /** What the usage line shows after the program name. */
  readonly synopsis: string;
  /** Paragraphs under the usage line. */
  readonly description: readonly string[];
  readonly positionals: readonly PositionalSpec[];
  readonly options: readonly OptionSpec[];
  readonly examples: readonly ExampleSpec[];
  /** Paragraphs after the options. */
  readonly notes: readonly string[];
  /** Exit statuses of its own, before the common ones (diff: 1 when the two differ). */
  readonly exits?: readonly (readonly [number, string])[];
}

/** Every command takes these; yargs knows them before the command word too. */
export const COMMON_OPTIONS: readonly OptionSpec[] = [
  { long: 'help', short: 'h', describe: 'print this help and exit', group: 'Behaviour' },
  { long: 'version', short: 'V', describe: 'print the version and exit', group: 'Behaviour' },
];

export const JSON_OPTION: OptionSpec = {
  long: 'json',
  describe: 'print one JSON document on stdout: the result or the error (docs/json.md)',
  group: 'Output',
};

export const QUIET_OPTION: OptionSpec = {
  long: 'quiet',
  short: 'q',
  describe: 'print only errors, and the paths of the outputs on stdout',
  group: 'Output',
};

export const VERBOSE_OPTION: OptionSpec = {
  long: 'verbose',
  short: 'v',
  describe: 'explain more, including the causes of an error',
  group: 'Behaviour',
};

/** The option's flags as help shows them: `-b, --builtin-list FILE`, `--no-deps`. */
export function flagsText(option: OptionSpec): string {
  const long = option.negated ? `--no-${option.long}` : `--${option.long}`;
  const flags = option.short === undefined ? long : `-${option.short}, ${long}`;
  return option.value === undefined ? flags : `${flags} ${option.value}`;
}

/** `'builtin-list'` → `'builtinList'`, the key yargs gives the value under. */
export function camelKey(long: string): string {
  return long.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** `'builtinList'` → `'builtin-list'`. */
export function kebabName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
