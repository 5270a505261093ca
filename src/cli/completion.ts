import yargs from 'yargs';
import type { CommandSpec, OptionSpec } from './spec.js';

/** The flag yargs' completion script calls the program with, the words typed so far after it. */
export const COMPLETION_FLAG = '--get-yargs-completions';

/** yargs' completion script for the shell (bash; zsh when SHELL says so), which calls back with COMPLETION_FLAG. */
export async function completionScript(): Promise<string> {
  let script = '';
  await yargs()
    .scriptName('mkbundle')
    .help(false)
    .version(false)
    .completion('completion', false)
    .parseAsync(['completion'], {}, (_error, _argv, output) => {
      script = output;
    });
  return `${script.trimEnd()}\n`;
}

const longFlags = (options: readonly OptionSpec[]) =>
  options.flatMap((o) => (o.negated ? [`--no-${o.long}`] : [`--${o.long}`]));

/** The option a word names, for what may follow it. */
function optionNamed(word: string, options: readonly OptionSpec[]): OptionSpec | undefined {
  const name = word.split('=')[0] ?? '';
  return options.find((o) => name === `--${o.long}` || (o.short !== undefined && name === `-${o.short}`));
}

/**
 * What may come next, for the completion script: `words` are the command
 * line's words (the program's first, the one being typed last). Options
 * of the command typed (else the default, the first of `commands`),
 * command names where a command may go, an option's choices after it;
 * nothing where a file goes, so that the shell completes file names.
 */
export function completions(words: readonly string[], commands: readonly CommandSpec[]): string[] {
  const current = words.at(-1) ?? '';
  const before = words.slice(1, -1);
  const [fallback] = commands;
  if (fallback === undefined) return [];
  const names = commands.map((c) => c.name);
  const typed = before.find((w) => names.includes(w));
  const command = commands.find((c) => c.name === typed) ?? fallback;
  const previous = optionNamed(before.at(-1) ?? '', command.options);
  const matching = (list: readonly string[]) => list.filter((w) => w.startsWith(current));
  if (previous?.value !== undefined && !(before.at(-1) ?? '').includes('=')) {
    // `sha512|md5`, `libdeflate|advdef|gzip`: choices; FILE, DIR, URL…: for the shell.
    return /^[a-z0-9_.|]+$/.test(previous.value) ? matching(previous.value.split('|')) : [];
  }
  if (current.startsWith('-')) return matching(longFlags(command.options));
  if (typed === 'help') return matching(names);
  return typed === undefined && !before.some((w) => !w.startsWith('-')) ? matching(names) : [];
}
