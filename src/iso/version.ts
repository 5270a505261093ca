import type { Flavour } from '../config/flavour.js';
import { printable, quoted } from '../config/quote.js';
import { InputError, UsageError } from '../errors.js';

/** VERSION ends up in a file name, the volume id and iso-metadata.yaml; measured in UTF-8 bytes. */
export const MAX_VERSION_BYTES = 64;

/** xorriso refuses a volume id longer than 32 bytes (it counts UTF-8 bytes, not characters). */
export const MAX_VOLUME_ID_BYTES = 32;
const VOLUME_ID_PREFIX = 'Razor MK ';
/** The original took the first 22 characters of VERSION. */
const VOLUME_ID_VERSION_CHARS = 22;

const utf8Length = (text: string): number => Buffer.byteLength(text, 'utf8');

const codePoint = (char: string): string =>
  `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

/** What is wrong with VERSION, or undefined when it is usable. */
export function versionProblem(version: string): string | undefined {
  if (version === '') return 'VERSION is empty';
  const bytes = utf8Length(version);
  if (bytes > MAX_VERSION_BYTES) return `VERSION is too long: ${bytes} bytes (at most ${MAX_VERSION_BYTES}, UTF-8)`;
  const chars = [...version];
  // Line and paragraph separators are line breaks to YAML, bidi controls reorder the file name on screen,
  // lone surrogates are not text at all.
  const bad = chars.findIndex((c) => !printable(c));
  if (bad >= 0) {
    const char = chars[bad] ?? '';
    const what = /\p{Cs}/u.test(char) ? 'a lone surrogate' : 'a control character';
    return `VERSION contains ${what} (${codePoint(char)} at character ${bad + 1})`;
  }
  if (version.includes('/')) return `VERSION ${quoted(version)} contains '/' (it becomes part of the ISO's file name)`;
  if (version.startsWith('-')) return `VERSION ${quoted(version)} starts with '-' (it would read as an option)`;
  if (/^\s|\s$/u.test(version)) return `VERSION ${quoted(version)} has leading or trailing white space`;
  return undefined;
}

/** VERSION itself, or a UsageError saying what is wrong with it. */
export function checkVersion(version: string): string {
  const problem = versionProblem(version);
  if (problem !== undefined) throw new UsageError(problem);
  return version;
}

/** The VERSION an ISO gets, and a line to show when it replaces the bundle's own. */
export interface VersionChoice {
  readonly version: string;
  readonly notice?: string;
}

/**
 * VERSION given wins over the one the bundle recorded (bundle.json, from
 * git describe at bundle time), like the 2013 rebuild_iso.sh; without
 * either there is nothing to name the ISO after. `bundle` names the bundle
 * in messages.
 */
export function chooseVersion(given: string | undefined, recorded: string | undefined, bundle: string): VersionChoice {
  if (given !== undefined) {
    checkVersion(given);
    if (recorded === undefined || recorded === given) return { version: given };
    return { version: given, notice: `version ${quoted(given)} replaces ${quoted(recorded)}, recorded in ${bundle}` };
  }
  if (recorded === undefined) throw new UsageError(`expected a VERSION: ${bundle} records none`);
  const problem = versionProblem(recorded);
  if (problem !== undefined) throw new InputError(`${bundle}: recorded ${problem}; give a VERSION`);
  return { version: recorded };
}

/**
 * `Razor MK ` and the first 22 characters of VERSION, like the original. A
 * VERSION with multi-byte characters loses whole characters from its end
 * until the id fits xorriso's 32 bytes.
 */
export function volumeId(version: string): string {
  const chars = [...checkVersion(version)].slice(0, VOLUME_ID_VERSION_CHARS);
  while (utf8Length(VOLUME_ID_PREFIX + chars.join('')) > MAX_VOLUME_ID_BYTES) chars.pop();
  return VOLUME_ID_PREFIX + chars.join('');
}

/** `rz_mk_dev-image.1.2.3.iso`. */
export function isoFileName(flavour: Flavour, version: string): string {
  return `rz_mk_${flavour}-image.${checkVersion(version)}.iso`;
}
