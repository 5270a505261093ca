import { EXIT_CODES } from './exit-codes.js';
import { type CommandSpec, flagsText, GROUPS } from './spec.js';

/** Help is this wide whatever the terminal, so that it reads the same everywhere and the man page test can compare. */
const WIDTH = 80;
/** The widest left column; longer flags put their description on the next line. */
const COLUMN = 30;

/** Words of `text` in lines of at most `width` characters (a longer word stands alone). */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

type Rows = readonly (readonly [string, string])[];

/** Where the right column of `rows` starts: after the widest left entry that fits under `widest`. */
function columnOf(rows: Rows, widest = COLUMN): number {
  const fits = rows.map(([left]) => left.length).filter((n) => n <= widest - 4);
  return Math.max(0, ...fits) + 4;
}

/** A two-column list: each left entry, its right text wrapped beside it. */
function table(rows: Rows, column = columnOf(rows)): string[] {
  return rows.flatMap(([left, right]) => {
    const wrapped = wrapText(right, WIDTH - column);
    const head = `  ${left}`;
    if (head.length + 2 > column) return [head, ...wrapped.map((l) => `${' '.repeat(column)}${l}`)];
    const [first = '', ...rest] = wrapped;
    return [`${head.padEnd(column)}${first}`.trimEnd(), ...rest.map((l) => `${' '.repeat(column)}${l}`)];
  });
}

const paragraph = (text: string) => wrapText(text, WIDTH).join('\n');

function section(title: string, lines: readonly string[]): string[] {
  return lines.length === 0 ? [] : ['', `${title}:`, ...lines];
}

/** What `COMMAND --help` prints; `commands` (for the default command's help) adds the Commands list. */
export function formatHelp(
  spec: CommandSpec,
  extra: {
    readonly commands?: readonly CommandSpec[];
    readonly environment?: readonly (readonly [string, string])[];
  } = {},
): string {
  const usage = `Usage: ${spec.program} ${spec.synopsis}`.trimEnd();
  const lines = [usage, ...(extra.commands ? ['   or: mkbundle COMMAND [ARGUMENTS] [OPTIONS]'] : [])];
  for (const p of spec.description) lines.push('', paragraph(p));
  if (extra.commands) {
    lines.push(...section('Commands', table(extra.commands.map((c) => [commandLine(c), c.summary]))));
  }
  lines.push(...section('Arguments', table(spec.positionals.map((p) => [p.name, p.describe]))));
  const optionRows = (group: string): Rows =>
    spec.options.filter((o) => o.group === group).map((o) => [flagsText(o), o.describe]);
  const column = columnOf(GROUPS.flatMap(optionRows));
  for (const group of GROUPS) lines.push(...section(group, table(optionRows(group), column)));
  for (const note of spec.notes) lines.push('', paragraph(note));
  const environment = extra.environment ?? [];
  lines.push(...section('Environment', table(environment, columnOf(environment, 40))));
  const others = (extra.commands ?? []).filter((c) => c !== spec).flatMap((c) => c.examples.slice(0, 1));
  lines.push(
    ...section(
      'Examples',
      [...spec.examples, ...others].flatMap((e) => [
        `  ${wrapText(e.line, WIDTH - 8).join(' \\\n        ')}`,
        ...wrapText(e.describe, WIDTH - 6).map((l) => `      ${l}`),
      ]),
    ),
  );
  lines.push(...section('Exit status', table(exitStatuses(spec).map(([code, meaning]) => [String(code), meaning]))));
  return `${lines.join('\n')}\n`;
}

/** A command as the Commands list names it: `iso BUNDLE [VERSION]`. */
export function commandLine(spec: CommandSpec): string {
  return [spec.name, ...spec.positionals.map((p) => (p.optional ? `[${p.name}]` : p.name))].join(' ');
}

/** The command's own exit statuses, then the common ones it does not redefine, by code. */
export function exitStatuses(spec: CommandSpec): readonly (readonly [number, string])[] {
  const own = spec.exits ?? [];
  const common = EXIT_CODES.filter(([code]) => !own.some(([mine]) => mine === code));
  return [...own, ...common].sort((a, b) => a[0] - b[0]);
}
