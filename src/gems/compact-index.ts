import { quoted } from '../config/quote.js';
import { InputError, MkbundleError } from '../errors.js';
import { GEM_NAME } from './gem-list.js';
import { ANY, parseRequirement, type Requirement } from './requirement.js';
import { parseVersion, type Version } from './version.js';

/**
 * Parsers for the compact index (`/info/NAME`, `/versions`), the format
 * rubygems.org and Bundler use. Pure: the caller fetched the body and
 * passes its URL for messages.
 */

export interface IndexDependency {
  readonly name: string;
  readonly requirement: Requirement;
}

/** One line of `/info/NAME`: one version of the gem on one platform. */
export interface IndexEntry {
  readonly version: Version;
  /** `undefined` for the pure-Ruby gem; otherwise e.g. `java`, `x86-mingw32`. */
  readonly platform: string | undefined;
  /** Runtime dependencies only; the index lists no others. */
  readonly dependencies: readonly IndexDependency[];
  /** SHA-256 of the `.gem` file, lowercase hex; old indexes may omit it. */
  readonly sha256: string | undefined;
  readonly ruby: Requirement;
  readonly rubygems: Requirement;
}

/** What `/versions` says about one gem, after applying appended lines and yanks. */
export interface VersionsRecord {
  /** `VERSION[-PLATFORM]` strings in index order. */
  readonly versions: readonly string[];
  /** MD5 of the gem's current `/info` body. */
  readonly infoMd5: string;
}

/** The body lines after the `---` separator, with their 1-based line numbers. */
function bodyLines(body: string): { line: string; number: number }[] {
  const lines = body.split('\n').map((line, index) => ({ line: line.replace(/\r$/, ''), number: index + 1 }));
  const separator = lines.findIndex((l) => l.line === '---');
  return lines.slice(separator + 1).filter((l) => l.line !== '');
}

function parseLines<T>(body: string, url: string, parseLine: (line: string) => T): T[] {
  return bodyLines(body).map(({ line, number }) => {
    try {
      return parseLine(line);
    } catch (error) {
      if (!(error instanceof MkbundleError)) throw error;
      throw new InputError(`${url} line ${number}: ${error.message}: ${quoted(line)}`, { cause: error });
    }
  });
}

export function parseInfo(body: string, url: string): IndexEntry[] {
  return parseLines(body, url, parseInfoLine);
}

function parseInfoLine(line: string): IndexEntry {
  const space = line.indexOf(' ');
  const head = space === -1 ? line : line.slice(0, space);
  const [deps = '', meta = ''] = space === -1 ? [] : splitOnce(line.slice(space + 1), '|');
  const [versionText = '', platform] = splitOnce(head, '-');
  if (platform === '') throw new InputError('empty platform');
  const fields = new Map(
    meta
      .split(',')
      .filter((field) => field !== '')
      .map((field) => splitOnce(field, ':')),
  );
  const sha256 = fields.get('checksum')?.toLowerCase();
  if (sha256 !== undefined && !/^[0-9a-f]{64}$/.test(sha256)) throw new InputError(`bad checksum ${quoted(sha256)}`);
  return {
    version: parseVersion(versionText),
    platform,
    dependencies: deps === '' ? [] : deps.split(',').map(parseDependency),
    sha256,
    ruby: optionalRequirement(fields.get('ruby')),
    rubygems: optionalRequirement(fields.get('rubygems')),
  };
}

function parseDependency(text: string): IndexDependency {
  const [name = '', requirement] = splitOnce(text, ':');
  if (!GEM_NAME.test(name) || requirement === undefined) throw new InputError(`bad dependency ${quoted(text)}`);
  return { name, requirement: parseRequirement(requirement) };
}

function optionalRequirement(text: string | undefined): Requirement {
  return text === undefined ? ANY : parseRequirement(text);
}

export function parseVersions(body: string, url: string): Map<string, VersionsRecord> {
  const records = new Map<string, VersionsRecord>();
  for (const { name, listed, infoMd5 } of parseLines(body, url, parseVersionsLine)) {
    const versions = [...(records.get(name)?.versions ?? [])];
    for (const version of listed) {
      if (version.startsWith('-')) {
        const at = versions.indexOf(version.slice(1));
        if (at !== -1) versions.splice(at, 1);
      } else {
        versions.push(version);
      }
    }
    records.set(name, { versions, infoMd5 });
  }
  return records;
}

function parseVersionsLine(line: string): { name: string; listed: string[]; infoMd5: string } {
  const [name = '', versions = '', infoMd5 = '', ...extra] = line.split(' ');
  if (!GEM_NAME.test(name) || versions === '' || !/^[0-9a-f]{32}$/.test(infoMd5) || extra.length > 0) {
    throw new InputError('expected NAME VERSIONS MD5');
  }
  return { name, listed: versions.split(','), infoMd5 };
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at === -1 ? [text, undefined] : [text.slice(0, at), text.slice(at + separator.length)];
}
