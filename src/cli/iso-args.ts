import yargs, { type Argv } from 'yargs';
import { UsageError } from '../errors.js';
import { ENCODERS, type Encoder } from '../initramfs/compress.js';

export interface IsoArgs {
  readonly bundle: string;
  /** undefined: the version the bundle recorded. */
  readonly version: string | undefined;
  readonly out: string;
  /** undefined: libdeflate, or advdef or gzip when the native addon cannot load. */
  readonly compress: Encoder | undefined;
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
    .option('compress', {
      type: 'string',
      describe:
        'core.gz encoder: libdeflate (level 12 in gzip members cut between entries, the default), max (libdeflate, and advdef -z4 on members of already-compressed data: smallest, slower), advdef (-z4 on the whole, slow) or gzip (-9); each never larger than gzip -9. By default, without the native addon: advdef when installed, else gzip',
    })
    .option('verify', {
      type: 'boolean',
      describe:
        "check the Core ISO, the dependency tarballs, COPYING and LICENSE against bundle.json's SHA-256s first (--no-verify: for a bundle edited on purpose)",
    })
    .option('recompress', { type: 'boolean', describe: '--no-recompress: the same as --compress gzip' })
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
    compress?: string;
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
  const compress = compressArg(parsed.compress, parsed.recompress);
  return {
    command: 'iso',
    args: {
      bundle,
      version,
      out: parsed.out ?? '.',
      compress,
      verify: parsed.verify ?? true,
      json: parsed.json ?? false,
      verbose: parsed.verbose ?? false,
    },
  };
}

function compressArg(compress: string | undefined, recompress: boolean | undefined): Encoder | undefined {
  const encoder = ENCODERS.find((name) => name === compress);
  if (compress !== undefined && encoder === undefined) {
    throw new UsageError(`option '--compress' must be ${ENCODERS.join(', ')}, got ${JSON.stringify(compress)}`);
  }
  if (recompress !== false) return encoder;
  if (encoder !== undefined && encoder !== 'gzip') {
    throw new UsageError(`--no-recompress (gzip) contradicts --compress ${encoder}`);
  }
  return 'gzip';
}
