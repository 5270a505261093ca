import { quoted } from '../config/quote.js';
import { InputError, UsageError } from '../errors.js';

/**
 * Boot codes go on every boot loader's kernel command line (isolinux.cfg,
 * grub.cfg, the PXE `cmdline` and iPXE script): one line of printable
 * ASCII, which every one of those files carries byte for byte.
 */
export const MAX_BOOT_CODES_BYTES = 1024;

/** What is wrong with `--boot-codes`, or undefined when it is usable. */
export function bootCodesProblem(codes: string): string | undefined {
  const chars = [...codes];
  const bad = chars.findIndex((c) => c < ' ' || c > '~');
  if (bad >= 0) {
    const char = chars[bad]?.codePointAt(0) ?? 0;
    const what = char === 0x0a || char === 0x0d ? 'a line break' : 'a character other than printable ASCII';
    return `--boot-codes ${quoted(codes)} contains ${what} (U+${char.toString(16).toUpperCase().padStart(4, '0')} at character ${bad + 1})`;
  }
  if (codes.length > MAX_BOOT_CODES_BYTES) {
    return `--boot-codes is too long: ${codes.length} bytes (at most ${MAX_BOOT_CODES_BYTES})`;
  }
  return undefined;
}

/** The boot codes as words (white space between them normalised), or a UsageError. */
export function checkBootCodes(codes: string): string {
  const problem = bootCodesProblem(codes);
  if (problem !== undefined) throw new UsageError(problem);
  return words(codes).join(' ');
}

const words = (text: string): string[] => text.split(/[ \t]+/).filter((word) => word !== '');

/** A line of isolinux.cfg: its keyword (lower case: Syslinux keywords are case-insensitive) and the rest. */
interface CfgLine {
  readonly keyword: string;
  readonly rest: string;
}

function parseLine(line: string): CfgLine | undefined {
  const match = /^[ \t]*(\S+)(?:[ \t]+(.*?))?[ \t]*\r?$/.exec(line);
  if (match === null) return undefined;
  return { keyword: (match[1] ?? '').toLowerCase(), rest: match[2] ?? '' };
}

interface Label {
  readonly name: string;
  /** The label's own `append`, when it has one (`append -`: none, not the global one). */
  append?: string;
  menuDefault: boolean;
}

interface Cfg {
  readonly default?: string;
  /** `append` before the first label: for labels without their own. */
  readonly globalAppend?: string;
  readonly labels: readonly Label[];
}

function parseCfg(text: string): Cfg {
  let defaultLine: string | undefined;
  let globalAppend: string | undefined;
  const labels: Label[] = [];
  for (const raw of text.split('\n')) {
    const line = parseLine(raw);
    if (line === undefined || line.keyword.startsWith('#')) continue;
    const label = labels.at(-1);
    switch (line.keyword) {
      case 'default':
        defaultLine = line.rest;
        break;
      case 'label':
        labels.push({ name: line.rest, menuDefault: false });
        break;
      case 'append':
        if (label === undefined) globalAppend = line.rest;
        else label.append = line.rest;
        break;
      case 'menu':
        if (label !== undefined && /^default$/i.test(line.rest)) label.menuDefault = true;
        break;
    }
  }
  return { ...(defaultLine === undefined ? {} : { default: defaultLine }), globalAppend, labels };
}

/** An `append` line's options: `append -` is none. */
const options = (append: string | undefined): string[] => (append === undefined || append === '-' ? [] : words(append));

/**
 * The options isolinux passes to the default entry's kernel: the label
 * `default` names (else the one marked `menu default`, else the first),
 * its `append` or the global one; a `default` that names no label is a
 * command line itself, after the global `append`, as Syslinux reads it.
 */
function defaultOptions(cfg: Cfg): string[] {
  const defaultWords = cfg.default === undefined ? [] : words(cfg.default);
  const named = defaultWords[0];
  const label =
    (named === undefined ? undefined : cfg.labels.find((l) => l.name === named)) ??
    (named === undefined ? undefined : cfg.labels.find((l) => l.name.toLowerCase() === named.toLowerCase())) ??
    (named === undefined ? (cfg.labels.find((l) => l.menuDefault) ?? cfg.labels[0]) : undefined);
  if (label !== undefined) return options(label.append ?? cfg.globalAppend);
  if (named !== undefined) return [...options(cfg.globalAppend), ...defaultWords.slice(1)];
  throw new InputError('no default entry and no label: no kernel command line to take');
}

/**
 * The kernel command line of the Core's default boot entry (its `append`
 * without `initrd=`, which a PXE or EFI loader passes another way) with
 * `bootCodes` after it: what the PXE `cmdline`, the iPXE script and
 * grub.cfg boot with.
 */
export function kernelCommandLine(isolinuxCfg: string, bootCodes: string | undefined): string {
  const core = defaultOptions(parseCfg(isolinuxCfg)).filter((word) => !/^initrd=/i.test(word));
  const codes = bootCodes === undefined ? [] : words(checkBootCodes(bootCodes));
  return [...core, ...codes].join(' ');
}

/** `append` at the start of a line, its options, and the CR of a CRLF file. */
const APPEND_LINE = /^([ \t]*append)(?:([ \t]+)(.*?))?([ \t]*\r?)$/gim;

/**
 * isolinux.cfg with `bootCodes` added at the end of every `append` line
 * (`append -` becomes `append CODES`); every other byte stays as it was.
 */
export function appendBootCodes(cfg: string, bootCodes: string | undefined): string {
  if (bootCodes === undefined) return cfg;
  const codes = checkBootCodes(bootCodes);
  if (codes === '') return cfg;
  return cfg.replace(APPEND_LINE, (_line, head: string, space: string | undefined, rest: string | undefined, tail) => {
    const kept = rest === undefined || rest === '-' ? '' : rest;
    return `${head}${space ?? ' '}${kept === '' ? '' : `${kept} `}${codes}${tail}`;
  });
}
