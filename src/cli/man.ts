import { toolVersion } from '../version.js';
import { bundleEnvironment } from './args.js';
import { commandLine, exitStatuses } from './help.js';
import { COMMANDS } from './main.js';
import { type CommandSpec, GROUPS, type OptionSpec } from './spec.js';

/** Text as roff reads it literally: backslashes, minus signs, a leading dot or quote, anything beyond ASCII. */
export function roffText(text: string): string {
  const escaped = [...text]
    .map((c) => {
      if (c === '\\') return '\\e';
      if (c === '-') return '\\-';
      const code = c.codePointAt(0) ?? 0;
      return code > 0x7e ? `\\[u${code.toString(16).toUpperCase().padStart(4, '0')}]` : c;
    })
    .join('');
  return /^[.']/.test(escaped) ? `\\&${escaped}` : escaped;
}

const quotedArg = (text: string) => `"${roffText(text).replaceAll('"', '\\(dq')}"`;

function optionEntry(option: OptionSpec): string[] {
  const long = option.negated ? `--no-${option.long}` : `--${option.long}`;
  const flags = option.short === undefined ? long : `-${option.short}, ${long}`;
  const value = option.value === undefined ? '' : ` \\fI${roffText(option.value)}\\fR`;
  return ['.TP', `\\fB${roffText(flags)}\\fR${value}`, roffText(option.describe)];
}

function commandSection(spec: CommandSpec): string[] {
  const lines = [`.SS ${quotedArg(`mkbundle ${commandLine(spec)}`)}`];
  for (const p of spec.description) lines.push('.PP', roffText(p));
  for (const p of spec.positionals) lines.push('.TP', `\\fI${roffText(p.name)}\\fR`, roffText(p.describe));
  for (const group of GROUPS) {
    const options = spec.options.filter((o) => o.group === group);
    if (options.length > 0) lines.push('.PP', `\\fI${group}:\\fR`, ...options.flatMap(optionEntry));
  }
  for (const p of spec.notes) lines.push('.PP', roffText(p));
  return lines;
}

const DESCRIPTION = [
  'mkbundle builds the Razor Microkernel, the discovery image that PXE-booted machines run, from Tiny Core Linux in two stages, without root: mkbundle bundle downloads and checks everything into one bundle tarball, and mkbundle iso turns a bundle into the bootable ISO and its manifest. inspect, verify and diff look into bundles and ISOs.',
  'Each command takes -h for its help; mkbundle alone is mkbundle bundle.',
];

/** The man page: every command with its arguments and options, the environment, the examples, the exit statuses. */
export function formatMan(
  commands: readonly CommandSpec[],
  environment: readonly (readonly [string, string])[],
  version: string,
): string {
  const [main] = commands;
  if (main === undefined) return '';
  const lines = [
    `.TH MKBUNDLE 1 "" ${quotedArg(`mkbundle ${version}`)} "User Commands"`,
    // Flags and paths are not to be hyphenated or stretched.
    '.nh',
    '.ad l',
    '.SH NAME',
    'mkbundle \\- build Razor Microkernel bundles and bootable ISOs from Tiny Core Linux',
    '.SH SYNOPSIS',
    ...commands.flatMap((c) => [`\\fB${roffText(c.program)}\\fR ${roffText(c.synopsis)}`.trimEnd(), '.br']),
    '.SH DESCRIPTION',
    ...DESCRIPTION.flatMap((p) => ['.PP', roffText(p)]),
    '.SH COMMANDS',
    ...commands.flatMap(commandSection),
    '.SH ENVIRONMENT',
    ...environment.flatMap(([name, meaning]) => ['.TP', `\\fB${roffText(name)}\\fR`, roffText(meaning)]),
    '.SH EXAMPLES',
    ...commands.flatMap((c) => c.examples).flatMap((e) => ['.TP', `\\fB${roffText(e.line)}\\fR`, roffText(e.describe)]),
    '.SH EXIT STATUS',
    ...exitStatuses(main).flatMap(([code, meaning]) => ['.TP', String(code), roffText(meaning)]),
    ...commands.flatMap((c) =>
      c.exits === undefined
        ? []
        : [
            '.PP',
            `\\fB${roffText(c.program)}\\fR, otherwise as above:`,
            ...c.exits.flatMap(([code, meaning]) => ['.TP', String(code), roffText(meaning)]),
          ],
    ),
    '.SH SEE ALSO',
    '\\fBxorriso\\fR(1), \\fBadvdef\\fR(1), \\fBunsquashfs\\fR(1)',
  ];
  return `${lines.join('\n')}\n`;
}

/** docs/mkbundle.1, as `npm run man` writes it. */
export function manPage(): string {
  return formatMan(
    COMMANDS.map((c) => c.spec),
    bundleEnvironment(),
    toolVersion(),
  );
}
