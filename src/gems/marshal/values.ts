/**
 * The Ruby values gem indexes hold, as plain typed JS values for Ruby's
 * Marshal 4.8 format. Nothing here runs Ruby code: a user type is its class
 * name and its data.
 *
 * Identity matters to Marshal (a value met twice is written once, then
 * linked), so strings are RubyString objects rather than JS strings: the
 * same RubyString object twice in a value is one Ruby object twice.
 *
 * - nil, true, false: `null`, `true`, `false`
 * - Integer: `number` (a safe integer) or `bigint` beyond that
 * - Symbol: a registered JS symbol, `Symbol.for(name)`
 * - Array: a JS array
 */
export type RubyValue =
  | null
  | boolean
  | number
  | bigint
  | symbol
  | RubyString
  | RubyValue[]
  | RubyHash
  | RubyObject
  | RubyUserDefined
  | RubyUserMarshal;

/** Ruby encoding names; `ASCII-8BIT` is Ruby's binary. */
export type RubyEncoding = 'UTF-8' | 'US-ASCII' | 'ASCII-8BIT' | (string & {});

export class RubyString {
  constructor(
    readonly bytes: Uint8Array,
    readonly encoding: RubyEncoding,
  ) {}

  /** A UTF-8 string (Ruby's encoding for source literals and YAML scalars). */
  static utf8(text: string): RubyString {
    return new RubyString(Buffer.from(text, 'utf8'), 'UTF-8');
  }

  get text(): string {
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength).toString(
      this.encoding === 'UTF-8' || this.encoding === 'US-ASCII' ? 'utf8' : 'latin1',
    );
  }
}

/** A Hash in insertion order; keys compare by identity here, as Marshal sees them. */
export class RubyHash {
  constructor(readonly entries: (readonly [RubyValue, RubyValue])[] = []) {}
}

/** An `o` object: a class name and instance variables (`@name`) in definition order. */
export class RubyObject {
  constructor(
    readonly className: string,
    readonly ivars: Map<string, RubyValue> = new Map(),
  ) {}
}

/**
 * A `u` value: what the class's `_dump` returned (bytes), and the instance
 * variables of that string (Time keeps `zone` there; no `E`, the data is binary).
 */
export class RubyUserDefined {
  constructor(
    readonly className: string,
    readonly data: Uint8Array,
    readonly ivars: Map<string, RubyValue> = new Map(),
  ) {}
}

/** A `U` value: what the class's `marshal_dump` returned. */
export class RubyUserMarshal {
  constructor(
    readonly className: string,
    readonly data: RubyValue,
  ) {}
}

export const sym = (name: string): symbol => Symbol.for(name);

/** The name of a symbol made by `sym`; undefined for a JS symbol that is not registered. */
export const symbolName = (value: symbol): string | undefined => Symbol.keyFor(value);
