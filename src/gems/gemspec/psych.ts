import {
  type Alias,
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type Node,
  parseDocument,
  type Scalar,
} from 'yaml';
import { quoted } from '../../config/quote.js';
import { InputError } from '../../errors.js';
import { RubyHash, RubyObject, RubyString, RubyUserMarshal, type RubyValue, sym } from '../marshal/values.js';

/**
 * A gemspec's YAML (metadata.gz) as Ruby's Psych loads it through
 * Gem::SafeYAML: the same values, the same object identities (an alias is the
 * anchored object again), and the same refusals. Only what RubyGems permits
 * is accepted: plain data, the symbols :runtime and :development, and the
 * Gem::Specification, Version, Requirement and Dependency objects; anything
 * else (other tags, floats, merge keys, timestamps outside `date`) is an
 * InputError naming the file, never evaluated.
 *
 * Objects come out as Marshal will dump them: Gem::Version and
 * Gem::Requirement as `U` values (their marshal_dump), Gem::Dependency as an
 * `o` object with its ivars in YAML order.
 */

/** What `date:` held: Psych reads timestamps and dates as Time and Date, anything else as itself. */
export type YamlDate =
  | { readonly kind: 'time'; readonly utc: Date }
  | { readonly kind: 'date'; readonly year: number; readonly month: number; readonly day: number }
  | { readonly kind: 'value'; readonly value: RubyValue };

export interface YamlSpecification {
  /** The mapping's keys and values, in order, except `date`. */
  readonly fields: Map<string, RubyValue>;
  /** Undefined when the YAML has no `date:` key. */
  readonly date: YamlDate | undefined;
}

/** Deeper than any gemspec; a bound on what a hostile document can make us recurse through. */
const MAX_DEPTH = 64;

const SPECIFICATION = '!ruby/object:Gem::Specification';
const PERMITTED_SYMBOLS = new Set(['runtime', 'development']);

export function loadSpecificationYaml(text: string, file: string): YamlSpecification {
  const fail = (reason: string): never => {
    throw new InputError(`${file}: ${reason}`);
  };
  let doc: Document;
  try {
    doc = parseDocument(text, { version: '1.1', schema: 'failsafe', uniqueKeys: true, prettyErrors: false });
  } catch (error) {
    // The parser recurses per nesting level; a hostile document can exhaust the stack.
    if (error instanceof RangeError) fail('YAML nested too deeply to parse');
    throw error;
  }
  const [error] = doc.errors;
  if (error) fail(`YAML: ${quoted(firstLine(error.message))}`);
  const root = doc.contents;
  if (!isMap(root) || root.tag !== SPECIFICATION) fail(`YAML is not a ${SPECIFICATION}`);
  return new PsychLoader(doc, fail).specification(root as Node);
}

class PsychLoader {
  readonly #objects = new Map<Node, RubyValue>();
  readonly #inProgress = new Set<Node>();
  #depth = 0;

  constructor(
    private readonly doc: Document,
    private readonly fail: (reason: string) => never,
  ) {}

  specification(root: Node): YamlSpecification {
    const fields = new Map<string, RubyValue>();
    let date: YamlDate | undefined;
    for (const [key, node] of this.#pairs(root)) {
      if (key === 'date') date = this.#date(node);
      else fields.set(key, this.#value(node));
    }
    return { fields, date };
  }

  #value(node: unknown): RubyValue {
    if (isAlias(node)) return this.#alias(node);
    if (!isNode(node)) return null;
    const known = this.#objects.get(node);
    if (known !== undefined) return known;
    if (++this.#depth > MAX_DEPTH) this.fail(`YAML nested deeper than ${MAX_DEPTH}`);
    this.#inProgress.add(node);
    const value = this.#build(node);
    this.#inProgress.delete(node);
    this.#depth--;
    return value;
  }

  #alias(alias: Alias): RubyValue {
    const target = alias.resolve(this.doc);
    if (!target || this.#inProgress.has(target))
      this.fail(`YAML alias ${quoted(`*${alias.source}`)} to nowhere or to itself`);
    const value = this.#objects.get(target as Node);
    if (value === undefined) return this.fail(`YAML alias ${quoted(`*${alias.source}`)} to nowhere`);
    return value;
  }

  #build(node: Node): RubyValue {
    const tag = node.tag;
    if (isScalar(node)) return this.#remember(node, this.#scalar(node));
    if (isSeq(node)) {
      if (tag !== undefined) this.fail(`YAML tag ${quoted(tag)} on a sequence`);
      const items: RubyValue[] = [];
      this.#remember(node, items);
      for (const item of node.items) items.push(this.#value(item));
      return items;
    }
    switch (tag) {
      case undefined: {
        const hash = new RubyHash();
        this.#remember(node, hash);
        for (const pair of (node as { items: { key: unknown; value: unknown }[] }).items) {
          if (isScalar(pair.key) && pair.key.type === 'PLAIN' && pair.key.value === '<<') this.fail('YAML merge key');
          const key = this.#value(pair.key);
          hash.entries.push([key, this.#value(pair.value)]);
        }
        return hash;
      }
      case '!ruby/object:Gem::Version': {
        const fields = this.#fields(node);
        const version = fields.get('version');
        if (!(version instanceof RubyString)) return this.fail('Gem::Version without a version string');
        // marshal_dump is `[@version.dup]`.
        return this.#remember(
          node,
          new RubyUserMarshal('Gem::Version', [new RubyString(version.bytes, version.encoding)]),
        );
      }
      case '!ruby/object:Gem::Requirement': {
        const requirements = this.#fields(node).get('requirements');
        if (!Array.isArray(requirements)) return this.fail('Gem::Requirement without requirements');
        return this.#remember(node, new RubyUserMarshal('Gem::Requirement', [requirements]));
      }
      case '!ruby/object:Gem::Dependency': {
        const object = new RubyObject('Gem::Dependency');
        this.#remember(node, object);
        for (const [key, value] of this.#fields(node)) object.ivars.set(`@${key}`, value);
        return object;
      }
      default:
        return this.fail(`YAML tag ${quoted(tag)} is not permitted`);
    }
  }

  /** An object's mapping: string keys to values (Psych sets each as an ivar). */
  #fields(node: Node): Map<string, RubyValue> {
    const fields = new Map<string, RubyValue>();
    for (const [key, value] of this.#pairs(node)) fields.set(key, this.#value(value));
    return fields;
  }

  *#pairs(node: Node): Generator<[string, unknown]> {
    for (const pair of (node as { items: { key: unknown; value: unknown }[] }).items) {
      const key = isScalar(pair.key) ? this.#scalar(pair.key) : undefined;
      if (!(key instanceof RubyString) || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key.text)) {
        this.fail(`YAML key of ${quoted(String(node.tag))} is not a name`);
      }
      yield [key.text, pair.value];
    }
  }

  #remember<T extends RubyValue>(node: Node, value: T): T {
    this.#objects.set(node, value);
    return value;
  }

  #scalar(node: Scalar): RubyValue {
    const text = String(node.value);
    switch (node.tag) {
      case undefined:
        return node.type === 'PLAIN' ? this.#plain(text) : RubyString.utf8(text);
      case '!':
        if (node.type === 'PLAIN') return this.fail(`YAML non-specific tag on plain ${quoted(text)}`);
        return RubyString.utf8(text);
      case '!str':
      case 'tag:yaml.org,2002:str':
        return RubyString.utf8(text);
      case '!binary':
      case 'tag:yaml.org,2002:binary':
        if (!/^[A-Za-z0-9+/=\s]*$/.test(text)) return this.fail('YAML !binary that is not base64');
        return new RubyString(Buffer.from(text, 'base64'), 'ASCII-8BIT');
      default:
        return this.fail(`YAML tag ${quoted(String(node.tag))} is not permitted`);
    }
  }

  /** Psych's ScalarScanner#tokenize for what a gemspec may hold. */
  #plain(text: string): RubyValue {
    const kind = plainKind(text);
    switch (kind.kind) {
      case 'string':
        return RubyString.utf8(text);
      case 'nil':
        return null;
      case 'boolean':
        return kind.value;
      case 'integer':
        return kind.value;
      case 'symbol':
        if (!PERMITTED_SYMBOLS.has(kind.name)) this.fail(`YAML symbol ${quoted(`:${kind.name}`)} is not permitted`);
        return sym(kind.name);
      default:
        return this.fail(`YAML ${kind.kind} ${quoted(text)} where RubyGems permits none`);
    }
  }

  #date(node: unknown): YamlDate {
    if (isScalar(node) && node.tag === undefined && node.type === 'PLAIN') {
      const kind = plainKind(String(node.value));
      if (kind.kind === 'time') return { kind: 'time', utc: kind.utc };
      if (kind.kind === 'date') return { kind: 'date', year: kind.year, month: kind.month, day: kind.day };
    }
    return { kind: 'value', value: this.#value(node) };
  }
}

export type PlainKind =
  | { kind: 'string' }
  | { kind: 'nil' }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'integer'; value: number | bigint }
  | { kind: 'symbol'; name: string }
  | { kind: 'time'; utc: Date }
  | { kind: 'date'; year: number; month: number; day: number }
  | { kind: 'float' | 'sexagesimal number' };

// Psych's patterns, with Ruby's \s (ASCII whitespace) and [[:alpha:]] (Unicode letters).
const WORDLIKE = /^[^\d.:-]?[\p{Alphabetic}_ \t\r\n\f\v!@#$%^&*(){}<>|/\\~;=]+/u;
const TIME =
  /^(-?\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt]|[ \t\r\n\f\v]+)(\d{1,2}):(\d\d):(\d\d)(?:\.(\d*))?(?:[ \t\r\n\f\v]*(Z|[-+]\d{1,2}:?(?:\d\d)?))?$/;
const DATE = /^(\d{4})-(1[012]|0\d|\d)-([12]\d|3[01]|0\d|\d)$/;
const SEXAGESIMAL = /^[-+]?[0-9][0-9_]*(:[0-5]?[0-9]){1,2}(\.[0-9_]*)?$/;
const FLOAT = /^[-+]?([0-9][0-9_,]*)?\.[0-9]*([eE][-+][0-9]+)?$/;
const INTEGER = /^([-+]?)(?:(0b[0-1_,]+)|(0[0-7_,]+)|(0|[1-9](?:[0-9]|,[0-9]|_[0-9])*)|(0x[0-9a-fA-F_,]+))$/;

/** What Psych makes of a plain (unquoted, untagged) scalar. */
export function plainKind(text: string): PlainKind {
  if (text === '') return { kind: 'nil' };
  if (WORDLIKE.test(text) || text.includes('\n')) {
    if (text.length > 5 || /^[^ytonf~]/i.test(text)) return { kind: 'string' };
    if (text === '~' || /^null$/i.test(text)) return { kind: 'nil' };
    if (/^(yes|true|on)$/i.test(text)) return { kind: 'boolean', value: true };
    if (/^(no|false|off)$/i.test(text)) return { kind: 'boolean', value: false };
    return { kind: 'string' };
  }
  const time = TIME.exec(text);
  if (time) return { kind: 'time', utc: timeOf(time) };
  const date = DATE.exec(text);
  if (date) {
    const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const check = new Date(Date.UTC(year, month - 1, day));
    // Date.strptime refuses 2013-02-30; Psych then keeps the text.
    if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return { kind: 'string' };
    return { kind: 'date', year, month, day };
  }
  if (/^[-+]?\.inf$/i.test(text) || /^\.nan$/i.test(text)) return { kind: 'float' };
  if (text.startsWith(':') && text.length > 1) {
    const quoted = /^:(["'])(.*)\1/.exec(text);
    return { kind: 'symbol', name: (quoted ? (quoted[2] ?? '') : text.slice(1)).replace(/^:/, '') };
  }
  if (SEXAGESIMAL.test(text)) return { kind: 'sexagesimal number' };
  if (FLOAT.test(text)) return /^[-+]?\.$/.test(text) ? { kind: 'string' } : { kind: 'float' };
  const integer = INTEGER.exec(text);
  if (integer) return { kind: 'integer', value: integerOf(integer) };
  return { kind: 'string' };
}

function integerOf(match: RegExpExecArray): number | bigint {
  const [, sign, binary, octal, decimal, hex] = match;
  const digits = (binary ?? octal ?? decimal ?? hex ?? '').replace(/[,_]/g, '');
  const magnitude = BigInt(octal !== undefined ? `0o${digits.slice(1) || '0'}` : digits);
  const value = sign === '-' ? -magnitude : magnitude;
  return Number.isSafeInteger(Number(value)) ? Number(value) : value;
}

/** Psych's parse_time: components in UTC, then the zone's offset taken off; no zone reads as UTC here. */
function timeOf(match: RegExpExecArray): Date {
  const [, y, mo, d, h, mi, s, , zone] = match;
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (zone === undefined || zone === 'Z') return new Date(utc);
  const offset = /^([-+])(\d{1,2}):?(\d{1,2})?$/.exec(zone);
  const minutes = Number(offset?.[2] ?? 0) * 60 + Number(offset?.[3] ?? 0);
  return new Date(utc - (offset?.[1] === '-' ? -minutes : minutes) * 60_000);
}

function isNode(value: unknown): value is Node {
  return isScalar(value) || isMap(value) || isSeq(value);
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
