import { quoted } from '../config/quote.js';
import { sourceUrl } from '../config/url.js';
import { UsageError } from '../errors.js';
import { extensionNameProblem } from './name.js';

export type TcArch = 'x86' | 'x86_64';
/** A Tiny Core major version in mirror spelling: `4.x`, `16.x`. */
export type TcVersion = `${number}.x`;

export const DEFAULT_MIRROR_BASE = 'http://distro.ibiblio.org/tinycorelinux';

/** Where the kernel and initramfs sit inside the Core ISO. */
export interface BootFiles {
  readonly kernel: 'boot/vmlinuz' | 'boot/vmlinuz64';
  readonly initrd: 'boot/core.gz' | 'boot/corepure64.gz';
}

export interface MirrorSettings {
  readonly tcVersion: string;
  readonly arch: TcArch;
  /** Mirror root holding `{N}.x/…`; defaults to DEFAULT_MIRROR_BASE. */
  readonly base?: string | undefined;
  /** `--mirror`: the complete `…/tcz` directory (the seed's TCL_MIRROR_URI). */
  readonly mirror?: string | undefined;
  /** More `--mirror`s: the same directory elsewhere, tried in order when one fails. */
  readonly fallbacks?: readonly string[];
  /** `--iso-url`: the Core ISO itself (the seed's TCL_ISO_URL). */
  readonly isoUrl?: string | undefined;
}

export interface TcMirror {
  readonly tcVersion: TcVersion;
  readonly arch: TcArch;
  /** URL of the `tcz` directory, without a trailing slash. */
  readonly tczUrl: string;
  /** Copies of it, tried in order for a file it fails to give. */
  readonly fallbackTczUrls: readonly string[];
  readonly isoUrl: string;
  readonly boot: BootFiles;
}

/** An extension and the files beside it on a mirror: `NAME.tcz`, `NAME.tcz.md5.txt`, … */
export const EXTENSION_FILES = ['tcz', 'md5.txt', 'info', 'list', 'dep'] as const;
export type ExtensionFile = (typeof EXTENSION_FILES)[number];

/** Accepts `4`, `4.x`, `16.x`; anything else is a UsageError. */
export function parseTcVersion(value: string): TcVersion {
  const match = /^([1-9][0-9]?)(?:\.x)?$/.exec(value);
  if (!match)
    throw new UsageError(`Tiny Core version: expected a major version like 4.x or 16.x, got ${quoted(value)}`);
  return `${Number(match[1])}.x`;
}

export function parseTcArch(value: string): TcArch {
  if (value === 'x86' || value === 'x86_64') return value;
  throw new UsageError(`Tiny Core architecture: expected x86 or x86_64, got ${quoted(value)}`);
}

export function bootFiles(arch: TcArch): BootFiles {
  return arch === 'x86'
    ? { kernel: 'boot/vmlinuz', initrd: 'boot/core.gz' }
    : { kernel: 'boot/vmlinuz64', initrd: 'boot/corepure64.gz' };
}

/** `4.x/x86/tcz`: the mirror's extension directory, also the layout of the overlay's local mirror. */
export function tczSubpath(tcVersion: TcVersion, arch: TcArch): string {
  return `${tcVersion}/${arch}/tcz`;
}

/** `4.x/x86/release/Core-current.iso` or `…/x86_64/release/CorePure64-current.iso`. */
export function isoSubpath(tcVersion: TcVersion, arch: TcArch): string {
  const iso = arch === 'x86' ? 'Core-current.iso' : 'CorePure64-current.iso';
  return `${tcVersion}/${arch}/release/${iso}`;
}

/** Where Tiny Core's mirrors publish the Core ISO's md5: beside it, as `ISO.md5.txt`. */
export function isoMd5Url(isoUrl: string): string {
  const url = new URL(isoUrl);
  url.pathname += '.md5.txt';
  return url.href;
}

/** Every Tiny Core URL of a build; explicit mirror and ISO URLs win over ones derived from the base. */
export function resolveMirror(settings: MirrorSettings): TcMirror {
  const tcVersion = parseTcVersion(settings.tcVersion);
  const arch = parseTcArch(settings.arch);
  const base = sourceUrl(settings.base ?? DEFAULT_MIRROR_BASE, 'mirror base');
  return {
    tcVersion,
    arch,
    tczUrl:
      settings.mirror === undefined ? `${base}/${tczSubpath(tcVersion, arch)}` : sourceUrl(settings.mirror, '--mirror'),
    fallbackTczUrls: (settings.fallbacks ?? []).map((url) => sourceUrl(url, '--mirror')),
    isoUrl:
      settings.isoUrl === undefined
        ? `${base}/${isoSubpath(tcVersion, arch)}`
        : sourceUrl(settings.isoUrl, '--iso-url'),
    boot: bootFiles(arch),
  };
}

/** `NAME.tcz` itself or the name of one of its companions. */
export function extensionFileName(name: string, file: ExtensionFile): string {
  return file === 'tcz' ? name : `${name}.${file}`;
}

/** URL of `NAME.tcz` or one of its companions in the mirror's `tcz` directory. */
export function extensionUrl(tczUrl: string, name: string, file: ExtensionFile = 'tcz'): string {
  // Names reach URLs and overlay paths: never let an unchecked one through.
  const problem = extensionNameProblem(name);
  if (problem !== null) throw new UsageError(`bad extension name ${quoted(name)} (${problem})`);
  return `${tczUrl.replace(/\/+$/, '')}/${extensionFileName(name, file)}`;
}

/** The URLs of an extension and all its companions. */
export function extensionUrls(tczUrl: string, name: string): Readonly<Record<ExtensionFile, string>> {
  const url = (file: ExtensionFile) => extensionUrl(tczUrl, name, file);
  return { tcz: url('tcz'), 'md5.txt': url('md5.txt'), info: url('info'), list: url('list'), dep: url('dep') };
}
