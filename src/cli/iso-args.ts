import yargs, { type Argv } from 'yargs';
import { UsageError } from '../errors.js';

export interface IsoArgs {
  readonly bundle: string;
  /** undefined: the version the bundle recorded. */
  readonly version: string | undefined;
  readonly out: string;
  readonly recompress: boolean;
  /** Check the bundle's files against bundle.json before use (--no-verify: do not). */
  readonly verify: boolean;
  readonly json: boolean;
  readonly verbose: boolean;
}

export type IsoInvocation =
  | { readonly command: 'help'; readonly usage: string }
  | { readonly command: 'iso'; readonly args: IsoArgs };

/**
 * `mkbundle iso BUNDLE [VERSION]` and, inside an unpacked bundle,
 * `./rebuild-iso [VERSION]` (the bundle is the launcher's directory).
 */
export type IsoProgram =
  | { readonly name: 'mkbundle iso' }
  | { readonly name: 'rebuild-iso'; readonly bundleDir: string };

function parser(program: IsoProgram, argv: string[]): Argv {
  const positional = program.name === 'mkbundle iso' ? 'BUNDLE [VERSION]' : '[VERSION]';
  return yargs(argv)
    .scriptName(program.name)
    .help(false)
    .version(false)
    .usage(
      `Usage: ${program.name} ${positional} [OPTIONS]\n\nRebuilds Tiny Core's core.gz with the bundle's overlay merged in (rootless) and\nwrites the bootable ISO rz_mk_{dev,prod,debug}-image.VERSION.iso.${
        program.name === 'mkbundle iso' ? '\nBUNDLE is a bundle .tar.gz or an unpacked bundle directory.' : ''
      }\nVERSION defaults to the version the bundle recorded (git describe of the source tree\nwhen the bundle was built); a VERSION given replaces it. The bundle's files are checked\nagainst bundle.json first; the ISO and its manifest appear together or not at all.`,
    )
    .option('help', { alias: 'h', type: 'boolean', describe: 'print usage for this command' })
    .option('out', { type: 'string', describe: 'directory for the ISO and its manifest (default: current directory)' })
    .option('recompress', {
      type: 'boolean',
      describe: 'recompress core.gz with advdef -z4 when installed (--no-recompress: plain gzip -9)',
    })
    .option('verify', {
      type: 'boolean',
      describe:
        "check the Core ISO, the dependency tarballs, COPYING and LICENSE against bundle.json's SHA-256s first (--no-verify: for a bundle edited on purpose)",
    })
    .option('json', { type: 'boolean', describe: 'print the result as JSON' })
    .option('verbose', { alias: 'v', type: 'boolean', describe: 'explain more, including error causes' })
    .strictOptions()
    .parserConfiguration({ 'parse-positional-numbers': false, 'duplicate-arguments-array': false })
    .exitProcess(false)
    .wrap(100)
    .fail((message, error) => {
      throw error instanceof UsageError ? error : new UsageError(message || String(error));
    });
}

export async function isoUsage(program: IsoProgram): Promise<string> {
  return parser(program, []).getHelp();
}

export async function parseIsoArgv(program: IsoProgram, argv: readonly string[]): Promise<IsoInvocation> {
  const parsed = (await parser(program, [...argv]).parseAsync()) as {
    help?: boolean;
    out?: string;
    recompress?: boolean;
    verify?: boolean;
    json?: boolean;
    verbose?: boolean;
    _: (string | number)[];
  };
  if (parsed.help) return { command: 'help', usage: await isoUsage(program) };
  const positionals = parsed._.map(String);
  const [bundle, version, ...extra] =
    program.name === 'mkbundle iso' ? positionals : [program.bundleDir, ...positionals];
  if (bundle === undefined || extra.length > 0) {
    const what = program.name === 'mkbundle iso' ? 'a bundle and at most a VERSION' : 'at most a VERSION';
    throw new UsageError(`expected ${what}, got ${positionals.length} argument${positionals.length === 1 ? '' : 's'}`);
  }
  if (parsed.out === '') throw new UsageError("option '--out' needs a value");
  return {
    command: 'iso',
    args: {
      bundle,
      version,
      out: parsed.out ?? '.',
      recompress: parsed.recompress ?? true,
      verify: parsed.verify ?? true,
      json: parsed.json ?? false,
      verbose: parsed.verbose ?? false,
    },
  };
}
