import { existsSync } from 'node:fs';
import { quoted } from '../config/quote.js';
import { UsageError } from '../errors.js';
import { ENCODERS, type Encoder } from '../initramfs/compress.js';
import { BOOT_MODES, type BootMode } from '../iso/boot-mode.js';
import { checkBootCodes } from '../iso/cmdline.js';
import { checkValues, last, type ParsedArgs } from './parse.js';
import {
  COMMON_OPTIONS,
  type CommandSpec,
  JSON_OPTION,
  type OptionSpec,
  QUIET_OPTION,
  VERBOSE_OPTION,
} from './spec.js';

export interface IsoArgs {
  readonly bundle: string;
  /** undefined: the version the bundle recorded. */
  readonly version: string | undefined;
  readonly out: string;
  /** undefined: libdeflate, or advdef or gzip when the native addon cannot load. */
  readonly compress: Encoder | undefined;
  /** undefined: both for an x86_64 Core, bios for x86. */
  readonly boot: BootMode | undefined;
  /** Check the bundle's files against bundle.json before use (--no-verify: do not). */
  readonly verify: boolean;
  /** Added to the kernel command line of every boot entry (checked: checkBootCodes). */
  readonly bootCodes: string | undefined;
  /** Also write the PXE files beside the ISO: kernel, initrd, cmdline, iPXE script. */
  readonly pxe: boolean;
  readonly json: boolean;
  readonly verbose: boolean;
  /** -q: only errors and the output paths. */
  readonly quiet: boolean;
}

/**
 * `mkbundle iso BUNDLE [VERSION]` and, inside an unpacked bundle,
 * `./rebuild-iso [VERSION]` (the bundle is the launcher's directory).
 */
export type IsoProgram =
  | { readonly name: 'mkbundle iso' }
  | { readonly name: 'rebuild-iso'; readonly bundleDir: string };

const OPTIONS: readonly OptionSpec[] = [
  {
    long: 'out',
    value: 'DIR',
    describe: 'the directory for the ISO and its manifest (default: the current directory)',
    group: 'Output',
  },
  {
    long: 'pxe',
    describe:
      'also write what a PXE server boots, beside the ISO: the kernel (.vmlinuz), the new initrd (.core.gz), its kernel command line (.cmdline) and an iPXE script (.ipxe) that fetches the two by relative URL',
    group: 'Output',
  },
  JSON_OPTION,
  QUIET_OPTION,
  {
    long: 'boot-codes',
    value: 'CODES',
    describe:
      'Tiny Core boot codes (kernel parameters) added to the kernel command line of every boot entry: each append line of isolinux.cfg, and with --pxe the cmdline and iPXE script; one line of printable ASCII, at most 1024 bytes',
    group: 'Behaviour',
  },
  {
    long: 'compress',
    value: ENCODERS.join('|'),
    describe:
      'core.gz encoder: libdeflate (level 12 in gzip members cut between entries, the default), max (libdeflate, and advdef -z4 on members of already-compressed data: smallest, slower), advdef (-z4 on the whole, slow) or gzip (-9); each never larger than gzip -9. By default, without the native addon: advdef when installed, else gzip',
    group: 'Behaviour',
  },
  {
    long: 'boot',
    value: BOOT_MODES.join('|'),
    describe:
      "the firmware the ISO boots under, from CD and from a disk or USB stick: bios (ISOLINUX), uefi (GRUB's EFI binary in an EFI El Torito image and partition) or both in one hybrid image. Default: both when the bundle's Tiny Core is x86_64, bios for x86 (its 32-bit kernel has no EFI stub, and uefi or both are refused for a kernel without one)",
    group: 'Output',
  },
  {
    long: 'verify',
    negated: true,
    describe:
      "do not check the Core ISO, the dependency tarballs, COPYING and LICENSE against bundle.json's SHA-256s first (for a bundle edited on purpose)",
    group: 'Behaviour',
  },
  { long: 'recompress', negated: true, describe: 'the same as --compress gzip', group: 'Behaviour' },
  VERBOSE_OPTION,
  ...COMMON_OPTIONS,
];

/** The one spec of both programs, so that `mkbundle iso --help` and `./rebuild-iso --help` say the same. */
export function isoCommand(program: IsoProgram): CommandSpec {
  const mkbundle = program.name === 'mkbundle iso';
  const example = (args: string) => (mkbundle ? `mkbundle iso ${args}` : `./rebuild-iso ${args}`);
  const bundle = mkbundle ? 'build-files/razor-microkernel-bundle-prod.tar.gz ' : '';
  return {
    name: 'iso',
    program: mkbundle ? 'mkbundle iso' : 'rebuild-iso',
    summary: 'build the bootable ISO and its manifest from a bundle',
    synopsis: `${mkbundle ? 'BUNDLE ' : ''}[VERSION] [OPTIONS]`,
    description: [
      "Rebuilds Tiny Core's core.gz with the bundle's overlay merged in (rootless) and writes the bootable ISO rz_mk_{dev,prod,debug}-image.VERSION.iso.",
      "The bundle's files are checked against bundle.json first; the ISO and its manifest appear together or not at all.",
    ],
    positionals: [
      ...(mkbundle ? [{ name: 'BUNDLE', describe: 'a bundle .tar.gz, or an unpacked bundle directory' }] : []),
      {
        name: 'VERSION',
        optional: true,
        describe:
          'the version in the ISO and its name; defaults to the version the bundle recorded (git describe of the source tree when the bundle was built); a VERSION given replaces it',
      },
    ],
    options: OPTIONS,
    examples: [
      { line: example(`${bundle}0.9.0.1`), describe: 'rz_mk_prod-image.0.9.0.1.iso and its .manifest, here' },
      { line: example(`${bundle}--out /srv/tftp --compress advdef`), describe: 'the recorded version, into /srv/tftp' },
      {
        line: example(`${bundle}0.9.0.1 --pxe --boot-codes 'console=ttyS0,115200'`),
        describe: 'the ISO and the PXE files, each booting with a serial console',
      },
    ],
    notes: [
      mkbundle
        ? 'In an unpacked bundle, ./rebuild-iso [VERSION] does the same with the same options, with only Node.js and xorriso installed (for --boot uefi or both, the default for x86_64, also mtools, grub-common and grub-efi-amd64-bin).'
        : 'The same as mkbundle iso with this directory as the bundle.',
      'VERSION, given or recorded: at most 64 bytes, no /, no control characters, no leading - or white space at either end.',
    ],
  };
}

const looksLikeVersion = (word: string) => /^v?\d+(\.\d+)*([+-][\w.+-]*)?$/.test(word);

/** `mkbundle iso 0.9.0.1 BUNDLE`: the two the other way round. */
function swapped(bundle: string, version: string | undefined): UsageError | undefined {
  if (version === undefined || existsSync(bundle) || !existsSync(version) || !looksLikeVersion(bundle)) return;
  return new UsageError(
    `${quoted(bundle)} is not a bundle: did you mean mkbundle iso ${quoted(version)} ${quoted(bundle)}?`,
  );
}

/** What the ISO stage was given; `words` are the positionals after the command word. */
export function isoInvocation(program: IsoProgram, parsed: ParsedArgs, words: readonly string[]): IsoArgs {
  const [bundle, version, ...extra] = program.name === 'mkbundle iso' ? words : [program.bundleDir, ...words];
  if (bundle === undefined || extra.length > 0) {
    const what = program.name === 'mkbundle iso' ? 'a bundle and at most a VERSION' : 'at most a VERSION';
    throw new UsageError(`expected ${what}, got ${words.length} argument${words.length === 1 ? '' : 's'}`);
  }
  if (program.name === 'mkbundle iso') {
    const error = swapped(bundle, version);
    if (error !== undefined) throw error;
  }
  checkValues(parsed, isoCommand(program), ['compress']);
  const compress = compressArg(last(parsed.compress) as string | undefined, last(parsed.recompress) as boolean);
  return {
    bundle,
    version,
    out: (last(parsed.out) as string | undefined) ?? '.',
    compress,
    boot: bootArg(last(parsed.boot) as string | undefined),
    verify: (last(parsed.verify) as boolean | undefined) ?? true,
    bootCodes: bootCodesArg(last(parsed.bootCodes) as string | undefined),
    pxe: (last(parsed.pxe) as boolean | undefined) ?? false,
    json: (last(parsed.json) as boolean | undefined) ?? false,
    verbose: (last(parsed.verbose) as boolean | undefined) ?? false,
    quiet: (last(parsed.quiet) as boolean | undefined) ?? false,
  };
}

function bootArg(boot: string | undefined): BootMode | undefined {
  const mode = BOOT_MODES.find((name) => name === boot);
  if (boot !== undefined && mode === undefined) {
    throw new UsageError(`option '--boot' must be ${BOOT_MODES.join(', ')}, got ${JSON.stringify(boot)}`);
  }
  return mode;
}

function bootCodesArg(codes: string | undefined): string | undefined {
  return codes === undefined ? undefined : checkBootCodes(codes);
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
