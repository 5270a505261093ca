import { quoted } from '../../config/quote.js';
import { InputError, MkbundleError } from '../../errors.js';
import { GEM_NAME } from '../gem-list.js';
import { loadMarshal } from '../marshal/read.js';
import {
  RubyHash,
  RubyObject,
  RubyString,
  RubyUserDefined,
  RubyUserMarshal,
  type RubyValue,
  symbolName,
} from '../marshal/values.js';
import { dumpMarshal } from '../marshal/write.js';
import { ANY, parseRequirement, type Requirement } from '../requirement.js';
import { parseVersion, type Version } from '../version.js';
import { parsePlatform } from './platform.js';
import type { YamlDate, YamlSpecification } from './psych.js';

/**
 * Gem::Specification as RubyGems 3.3's indexer sees it: what from_yaml,
 * abbreviate and sanitize leave of a gemspec, the fields `_dump` writes
 * (quick/Marshal.4.8/*.gemspec.rz), and the typed spec mkbundle reads back
 * from either.
 */

export interface GemDependency {
  readonly name: string;
  readonly requirement: Requirement;
  readonly type: 'runtime' | 'development';
}

export interface GemSpec {
  readonly name: string;
  readonly version: Version;
  /** As the gem names it (`ruby` for a pure-Ruby gem, else e.g. `java`, `x86-mingw32`). */
  readonly platform: string;
  readonly dependencies: readonly GemDependency[];
  readonly requiredRubyVersion: Requirement;
  readonly requiredRubygemsVersion: Requirement;
  readonly summary: string;
}

/** A gemspec ready for the index: the typed spec and the Ruby values of Gem::Specification#_dump. */
export interface IndexedSpec {
  readonly spec: GemSpec;
  readonly fields: readonly RubyValue[];
}

/** The RubyGems whose generate_index this reproduces (Debian's ruby 3.1); it fills a missing rubygems_version. */
export const RUBYGEMS_VERSION = '3.3.15';

/** Gem::Platform::RUBY: one frozen string, so every pure-Ruby gem's platform is the same Ruby object. */
export const RUBY_PLATFORM = RubyString.utf8('ruby');

/** The field order of Gem::Specification#_dump. */
const FIELD = {
  rubygemsVersion: 0,
  specificationVersion: 1,
  name: 2,
  version: 3,
  date: 4,
  summary: 5,
  requiredRubyVersion: 6,
  requiredRubygemsVersion: 7,
  originalPlatform: 8,
  dependencies: 9,
} as const;

export function specFromYaml(yaml: YamlSpecification, file: string): IndexedSpec {
  const fail = (reason: string): never => {
    throw new InputError(`${file}: ${reason}`);
  };
  const get = (key: string): RubyValue => yaml.fields.get(key) ?? null;
  const platform = get('platform');
  if (platform !== null && !(platform instanceof RubyString)) return fail('platform is not a string');
  const [originalPlatform, newPlatform] = platforms(platform, fail);
  const specificationVersion = get('specification_version');
  // Gem::Requirement.default, dup'ed for each attribute: two arrays around one frozen pair,
  // whose version is Gem::Version.new(0) (so its text is Integer#to_s, US-ASCII).
  const zero = new RubyUserMarshal('Gem::Version', [new RubyString(Buffer.from('0'), 'US-ASCII')]);
  const defaultPair: RubyValue[] = [RubyString.utf8('>='), zero];
  const defaultRequirement = (): RubyUserMarshal => new RubyUserMarshal('Gem::Requirement', [[defaultPair]]);
  const fields: RubyValue[] = [
    get('rubygems_version') ?? RubyString.utf8(RUBYGEMS_VERSION),
    specificationVersion === null || specificationVersion === false ? -1 : specificationVersion,
    get('name'),
    get('version'),
    timeValue(specDate(yaml.date, fail)),
    summaryValue(get('summary'), fail),
    get('required_ruby_version') ?? defaultRequirement(),
    get('required_rubygems_version') ?? defaultRequirement(),
    originalPlatform,
    get('dependencies') ?? [],
    RubyString.utf8(''),
    get('email'),
    authorsValue(get('authors'), fail),
    rubyToS(get('description'), 'description', fail),
    get('homepage'),
    true,
    newPlatform,
    get('licenses') ?? [],
    get('metadata') ?? new RubyHash(),
  ];
  return { spec: specFromFields(fields, file), fields };
}

/** `@original_platform` and `@new_platform` after yaml_initialize. */
function platforms(platform: RubyString | null, fail: (reason: string) => never): [RubyValue, RubyValue] {
  const text = platform?.text ?? '';
  // platform= keeps an empty original platform but replaces nil and `ruby` with Gem::Platform::RUBY.
  if (text === '') return [platform ?? RUBY_PLATFORM, RUBY_PLATFORM];
  if (text === 'ruby') return [RUBY_PLATFORM, RUBY_PLATFORM];
  if (text === 'current') fail("platform 'current' names the building machine");
  const parts = parsePlatform(text);
  const part = (value: string | null): RubyValue => (value === null ? null : RubyString.utf8(value));
  const object = new RubyObject(
    'Gem::Platform',
    new Map([
      ['@cpu', part(parts.cpu)],
      ['@os', part(parts.os)],
      ['@version', part(parts.version)],
    ]),
  );
  return [platform, object];
}

/** Gem::Specification#date= : a Time with one-day resolution, in UTC. */
function specDate(date: YamlDate | undefined, fail: (reason: string) => never): [number, number, number] {
  if (date === undefined) return fail('no date');
  if (date.kind === 'time') return [date.utc.getUTCFullYear(), date.utc.getUTCMonth() + 1, date.utc.getUTCDate()];
  if (date.kind === 'date') return [date.year, date.month, date.day];
  const match =
    date.value instanceof RubyString
      ? /^(\d{4})-(\d{2})-(\d{2})([ \t\r\n\f\v]+\d{2}:\d{2}:\d{2}\.\d+[ \t\r\n\f\v]*(Z|[-+]\d\d:\d\d))?\n?$/.exec(
          date.value.text,
        )
      : null;
  if (!match) return fail('date is not a date');
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1 || day > 31) fail(`date ${match[0]} is out of range`);
  // Time.utc rolls 2013-02-30 over into March, as Date.UTC does.
  const rolled = new Date(Date.UTC(year, month - 1, day));
  return [rolled.getUTCFullYear(), rolled.getUTCMonth() + 1, rolled.getUTCDate()];
}

/** Time.utc(year, month, day) as Time#_dump writes it. */
export function timeValue([year, month, day]: [number, number, number]): RubyUserDefined {
  if (year < 1900 || year > 9999) throw new InputError(`date year ${year} is outside 1900-9999`);
  const data = Buffer.alloc(8);
  data.writeUInt32LE(((1 << 31) | (1 << 30) | ((year - 1900) << 14) | ((month - 1) << 10) | (day << 5)) >>> 0, 0);
  return new RubyUserDefined('Time', data, new Map([['zone', new RubyString(Buffer.from('UTC'), 'US-ASCII')]]));
}

const STRIP = /^[\0\t\n\v\f\r ]+|[\0\t\n\v\f\r ]+$/g;

/** Gem::Specification#summary= after sanitize: stripped, lines joined. */
function summaryValue(value: RubyValue, fail: (reason: string) => never): RubyString {
  const text = rubyToS(value, 'summary', fail);
  const joined = text.text
    .replace(STRIP, '')
    .replace(/(\w-)\n[ \t]*(\w)/g, '$1$2')
    .replace(/\n[ \t]*/g, ' ');
  return new RubyString(Buffer.from(joined, binaryLike(text) ? 'latin1' : 'utf8'), text.encoding);
}

/** sanitize's authors: each `to_s`, then only strings. */
function authorsValue(value: RubyValue, fail: (reason: string) => never): RubyString[] {
  if (value === null) return [];
  if (!Array.isArray(value)) return fail('authors is not a list');
  return value.filter((author) => author !== null).map((author) => rubyToS(author, 'authors', fail));
}

/** Ruby's `to_s` for what a gemspec's text fields may hold; a String is itself. */
function rubyToS(value: RubyValue, field: string, fail: (reason: string) => never): RubyString {
  if (value instanceof RubyString) return value;
  const ascii = (text: string): RubyString => new RubyString(Buffer.from(text), 'US-ASCII');
  if (value === null) return ascii('');
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return ascii(String(value));
  return fail(`${field} is not text`);
}

function binaryLike(value: RubyString): boolean {
  return value.encoding !== 'UTF-8' && value.encoding !== 'US-ASCII';
}

/** The typed spec from Gem::Specification#_dump's fields, whoever wrote them. */
export function specFromFields(fields: readonly RubyValue[], file: string): GemSpec {
  try {
    if (fields.length <= FIELD.dependencies) throw new InputError(`${fields.length} fields`);
    const name = text(fields[FIELD.name], 'name');
    if (!GEM_NAME.test(name)) throw new InputError(`bad gem name ${quoted(name)}`);
    const platform = fields[FIELD.originalPlatform] ?? null;
    const dependencies = fields[FIELD.dependencies];
    if (!Array.isArray(dependencies)) throw new InputError('dependencies is not a list');
    const summary = fields[FIELD.summary] ?? null;
    return {
      name,
      version: version(fields[FIELD.version]),
      platform: platform === null ? 'ruby' : text(platform, 'platform') || 'ruby',
      dependencies: dependencies.map(dependency),
      requiredRubyVersion: requirement(fields[FIELD.requiredRubyVersion] ?? null),
      requiredRubygemsVersion: requirement(fields[FIELD.requiredRubygemsVersion] ?? null),
      summary: summary instanceof RubyString ? summary.text : '',
    };
  } catch (error) {
    if (error instanceof MkbundleError) throw new InputError(`${file}: gemspec: ${error.message}`, { cause: error });
    throw error;
  }
}

function text(value: RubyValue | undefined, what: string): string {
  if (!(value instanceof RubyString)) throw new InputError(`${what} is not a string`);
  return value.text;
}

function version(value: RubyValue | undefined): Version {
  const data = value instanceof RubyUserMarshal && value.className === 'Gem::Version' ? value.data : undefined;
  if (!Array.isArray(data)) throw new InputError('version is not a Gem::Version');
  return parseVersion(text(data[0], 'version'));
}

function requirement(value: RubyValue): Requirement {
  let pairs: RubyValue | undefined;
  if (value instanceof RubyUserMarshal && value.className === 'Gem::Requirement' && Array.isArray(value.data)) {
    pairs = value.data[0];
  } else if (value instanceof RubyObject && value.className === 'Gem::Requirement') {
    pairs = value.ivars.get('@requirements');
  }
  if (!Array.isArray(pairs)) throw new InputError('requirement is not a Gem::Requirement');
  if (pairs.length === 0) return ANY;
  const clauses = pairs.map((pair) => {
    if (!Array.isArray(pair) || pair.length !== 2) throw new InputError('requirement pair is not [op, version]');
    return `${text(pair[0], 'requirement operator')} ${version(pair[1]).text}`;
  });
  return parseRequirement(clauses.join(', '));
}

function dependency(value: RubyValue): GemDependency {
  if (!(value instanceof RubyObject) || value.className !== 'Gem::Dependency') {
    throw new InputError('dependency is not a Gem::Dependency');
  }
  const ivars = value.ivars;
  const name = text(ivars.get('@name'), 'dependency name');
  const type = ivars.get('@type') ?? null;
  const typeName = type === null ? 'runtime' : typeof type === 'symbol' ? symbolName(type) : undefined;
  if (typeName !== 'runtime' && typeName !== 'development')
    throw new InputError(`dependency ${quoted(name)} has a bad type`);
  const req = ivars.get('@requirement') ?? ivars.get('@version_requirements') ?? ivars.get('@version_requirement');
  return { name, requirement: requirement(req ?? null), type: typeName };
}

/**
 * Ruby 3.1 keeps one instance-variable order per class, first set first
 * written, for every object of the class in the process; Marshal writes
 * ivars in that order. Seeded with what `gem` itself has set by the time it
 * loads gemspecs; `register` every loaded spec (in load order) before
 * dumping any.
 */
export class IvarOrder {
  readonly #orders = new Map<string, string[]>([
    ['Gem::Dependency', ['@name', '@requirement', '@type', '@prerelease', '@version_requirements']],
    ['Gem::Platform', ['@cpu', '@os', '@version']],
  ]);

  register(fields: readonly RubyValue[]): void {
    for (const object of objectsIn(fields)) {
      const order = this.#orders.get(object.className) ?? [];
      this.#orders.set(object.className, order);
      for (const name of object.ivars.keys()) if (!order.includes(name)) order.push(name);
    }
  }

  /** Reorders the ivars of the objects in `fields`, in place. */
  apply(fields: readonly RubyValue[]): void {
    for (const object of objectsIn(fields)) {
      const order = this.#orders.get(object.className) ?? [];
      const ivars = [...object.ivars];
      const rank = (name: string): number => {
        const at = order.indexOf(name);
        return at === -1 ? order.length : at;
      };
      ivars.sort(([a], [b]) => rank(a) - rank(b));
      object.ivars.clear();
      for (const [name, value] of ivars) object.ivars.set(name, value);
    }
  }
}

/** Every `o` object reachable from the values, once each. */
function objectsIn(values: readonly RubyValue[]): RubyObject[] {
  const seen = new Set<object>();
  const objects: RubyObject[] = [];
  const stack: RubyValue[] = [...values];
  while (stack.length > 0) {
    const value = stack.pop() ?? null;
    if (value === null || typeof value !== 'object' || seen.has(value)) continue;
    seen.add(value);
    if (Array.isArray(value)) stack.push(...value);
    else if (value instanceof RubyHash) for (const [key, item] of value.entries) stack.push(key, item);
    else if (value instanceof RubyObject) {
      objects.push(value);
      stack.push(...value.ivars.values());
    } else if (value instanceof RubyUserMarshal) stack.push(value.data);
    else if (value instanceof RubyUserDefined) stack.push(...value.ivars.values());
  }
  return objects;
}

/** `Marshal.dump(spec)`: a `u` Gem::Specification around the Marshal of its fields. */
export function dumpSpecification(fields: readonly RubyValue[]): Buffer {
  return dumpMarshal(new RubyUserDefined('Gem::Specification', dumpMarshal([...fields])));
}

/** The typed spec in a `Marshal.dump(spec)` (a quick/Marshal.4.8 file, inflated). */
export function loadSpecification(data: Uint8Array, file: string): GemSpec {
  const outer = loadMarshal(data, file);
  if (!(outer instanceof RubyUserDefined) || outer.className !== 'Gem::Specification') {
    throw new InputError(`${file}: not a Marshal'ed Gem::Specification`);
  }
  const fields = loadMarshal(outer.data, file);
  if (!Array.isArray(fields)) throw new InputError(`${file}: Gem::Specification data is not a list`);
  return specFromFields(fields, file);
}
