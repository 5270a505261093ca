import fc from 'fast-check';
import {
  RubyHash,
  RubyObject,
  RubyString,
  RubyUserDefined,
  RubyUserMarshal,
  type RubyValue,
  sym,
} from '../../../src/gems/marshal/values.js';

/**
 * Ruby values as Ruby itself would load and dump them again unchanged, so
 * Ruby can be the peer: hash keys are symbols or integers (Ruby copies string
 * keys), ivar names start with `@`, and the classes are ones the peer script
 * defines (peerClasses: MkObj…, MkUser with _dump, MkMarshal with marshal_dump). Shared
 * strings and arrays come from a pool, so links get exercised.
 */

const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('', 'ruby', 'é', '日本語', '😀', '>= 0', 'x'.repeat(300)),
);

export const rubyString = fc.oneof(
  text.map((t) => RubyString.utf8(t)),
  fc.stringMatching(/^[ -~]{0,10}$/).map((t) => new RubyString(Buffer.from(t), 'US-ASCII')),
  fc.uint8Array({ maxLength: 16 }).map((b) => new RubyString(b, 'ASCII-8BIT')),
  fc
    .tuple(fc.stringMatching(/^[a-z]{0,6}$/), fc.constantFrom('Shift_JIS', 'ISO-8859-1', 'EUC-JP'))
    .map(([t, e]) => new RubyString(Buffer.from(t), e)),
);

const symbolName = fc.oneof(fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/), fc.constantFrom('runtime', 'é', 'E', 'zone'));

export const integer = fc.oneof(
  fc.integer({ min: -300, max: 300 }),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
  fc.constantFrom(2 ** 30 - 1, 2 ** 30, -(2 ** 30), -(2 ** 30) - 1, 122, 123, -123, -124, 255, 256, -256, -257),
  fc.bigInt({ min: -(2n ** 100n), max: 2n ** 100n }),
  fc.constantFrom(2n ** 64n, -(2n ** 64n) + 1n, 2n ** 53n + 1n),
);

type Shape =
  | { kind: 'leaf'; value: RubyValue }
  | { kind: 'pool'; index: number }
  | { kind: 'array'; items: Shape[] }
  | { kind: 'hash'; keys: RubyValue[]; values: Shape[] }
  | { kind: 'object'; ivars: [string, Shape][] }
  | { kind: 'user'; data: Uint8Array; ivars: [string, Shape][] }
  | { kind: 'marshal'; data: Shape };

const leaf = fc.oneof(fc.constantFrom<RubyValue>(null, true, false), integer, symbolName.map(sym), rubyString);

const ivarName = fc.stringMatching(/^@[a-z][a-z0-9]{0,6}$/);

const { shape } = fc.letrec<{ shape: Shape }>((tie) => ({
  shape: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf.map((value): Shape => ({ kind: 'leaf', value })),
    fc.nat(7).map((index): Shape => ({ kind: 'pool', index })),
    fc.array(tie('shape'), { maxLength: 4 }).map((items): Shape => ({ kind: 'array', items })),
    fc
      .uniqueArray(fc.oneof(symbolName.map(sym), fc.integer({ min: -1000, max: 1000 })), { maxLength: 3 })
      .chain((keys) =>
        fc
          .array(tie('shape'), { minLength: keys.length, maxLength: keys.length })
          .map((values): Shape => ({ kind: 'hash', keys, values })),
      ),
    fc
      .uniqueArray(fc.tuple(ivarName, tie('shape')), { maxLength: 3, selector: ([n]) => n })
      .map((ivars): Shape => ({ kind: 'object', ivars })),
    fc
      .tuple(
        fc.uint8Array({ maxLength: 12 }),
        fc.uniqueArray(fc.tuple(ivarName, tie('shape')), { maxLength: 2, selector: ([n]) => n }),
      )
      .map(([data, ivars]): Shape => ({ kind: 'user', data, ivars })),
    tie('shape').map((data): Shape => ({ kind: 'marshal', data })),
  ),
}));

/** Objects that may appear several times in one value. */
const pool = fc.array(
  fc.oneof(
    rubyString,
    fc.array(leaf, { maxLength: 3 }),
    fc.string({ maxLength: 4 }).map((t) => new RubyUserMarshal('MkMarshal', RubyString.utf8(t))),
  ),
  { minLength: 1, maxLength: 8 },
);

function build(s: Shape, shared: readonly RubyValue[]): RubyValue {
  switch (s.kind) {
    case 'leaf':
      return s.value;
    case 'pool':
      return shared[s.index % shared.length] ?? null;
    case 'array':
      return s.items.map((item) => build(item, shared));
    case 'hash':
      return new RubyHash(s.keys.map((key, i) => [key, build(s.values[i] ?? { kind: 'leaf', value: null }, shared)]));
    case 'object':
      return new RubyObject(objectClass(s.ivars), new Map(s.ivars.map(([n, v]) => [n, build(v, shared)])));
    case 'user':
      return new RubyUserDefined('MkUser', s.data, new Map(s.ivars.map(([n, v]) => [n, build(v, shared)])));
    case 'marshal':
      // Ruby refuses a marshal_dump that returns an instance of the same class.
      return new RubyUserMarshal('MkMarshal', [build(s.data, shared)]);
  }
}

/**
 * Ruby 3.1 keeps one ivar order per class (first seen, first written), so
 * each ivar list gets a class of its own, which the peer makes on demand.
 */
function objectClass(ivars: readonly [string, Shape][]): string {
  return `MkObj${ivars.map(([name]) => `X${name.slice(1)}`).join('')}`;
}

export const rubyValue: fc.Arbitrary<RubyValue> = fc.tuple(shape, pool).map(([s, p]) => build(s, p));

/** Ruby classes for the values above, for a peer script to run first. */
export function peerClasses(values: readonly RubyValue[]): string {
  const objects = new Set<string>();
  const visit = (value: RubyValue): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value instanceof RubyHash) for (const [, item] of value.entries) visit(item);
    else if (value instanceof RubyObject) {
      objects.add(value.className);
      value.ivars.forEach(visit);
    } else if (value instanceof RubyUserDefined) value.ivars.forEach(visit);
    else if (value instanceof RubyUserMarshal) visit(value.data);
  };
  values.forEach(visit);
  return [
    `%w[${[...objects].join(' ')}].each { |name| Object.const_set(name, Class.new) }`,
    'class MkUser; def initialize(data) = @data = data; def self._load(data) = new(data); def _dump(_limit) = @data; end',
    'class MkMarshal; def marshal_dump = @data; def marshal_load(data) = @data = data; end',
  ].join('; ');
}
