import {
  RubyHash,
  RubyObject,
  RubyString,
  RubyUserDefined,
  RubyUserMarshal,
  type RubyValue,
  symbolName,
} from './values.js';

/**
 * Writes a value as Ruby's `Marshal.dump` does (format 4.8), byte for byte:
 * each object once, then `@` links to it by identity; each symbol once, then
 * `;` links; the object table numbered as Ruby numbers it (a `u` value after
 * its data, everything else before its contents).
 */
export function dumpMarshal(value: RubyValue): Buffer {
  const writer = new MarshalWriter();
  writer.value(value);
  return writer.finish();
}

/** Ruby's Fixnum range in Marshal: 31-bit signed; anything else is written as a Bignum. */
const FIXNUM_MIN = -(2 ** 30);
const FIXNUM_MAX = 2 ** 30 - 1;

class MarshalWriter {
  readonly #chunks: number[] = [4, 8];
  readonly #objects = new Map<object, number>();
  readonly #symbols = new Map<string, number>();
  readonly #encodingNames = new Map<string, RubyString>();
  #objectCount = 0;

  finish(): Buffer {
    return Buffer.from(this.#chunks);
  }

  value(value: RubyValue): void {
    if (value === null) this.#byte(0x30);
    else if (value === true) this.#byte(0x54);
    else if (value === false) this.#byte(0x46);
    else if (typeof value === 'number') this.#integer(value);
    else if (typeof value === 'bigint') this.#bigint(value);
    else if (typeof value === 'symbol') this.#symbol(symbolText(value));
    else this.#object(value);
  }

  #object(value: Exclude<RubyValue, null | boolean | number | bigint | symbol>): void {
    const seen = this.#objects.get(value);
    if (seen !== undefined) {
      this.#byte(0x40);
      this.#long(seen);
      return;
    }
    if (value instanceof RubyUserDefined) {
      // Ruby numbers a `u` value after writing it, so its ivars come first.
      if (value.ivars.size > 0) this.#byte(0x49);
      this.#byte(0x75);
      this.#symbol(value.className);
      this.#bytes(value.data);
      if (value.ivars.size > 0) this.#ivars(value.ivars);
      this.#remember(value);
      return;
    }
    this.#remember(value);
    if (value instanceof RubyString) this.#string(value);
    else if (Array.isArray(value)) {
      this.#byte(0x5b);
      this.#long(value.length);
      for (const item of value) this.value(item);
    } else if (value instanceof RubyHash) {
      this.#byte(0x7b);
      this.#long(value.entries.length);
      for (const [key, item] of value.entries) {
        this.value(key);
        this.value(item);
      }
    } else if (value instanceof RubyObject) {
      this.#byte(0x6f);
      this.#symbol(value.className);
      this.#ivars(value.ivars);
    } else if (value instanceof RubyUserMarshal) {
      this.#byte(0x55);
      this.#symbol(value.className);
      this.value(value.data);
    } else {
      throw new TypeError(`not a Ruby value: ${String(value)}`);
    }
  }

  #remember(value: object): void {
    this.#objects.set(value, this.#objectCount++);
  }

  #string(value: RubyString): void {
    const encoding = encodingIvar(value);
    if (encoding) this.#byte(0x49);
    this.#byte(0x22);
    this.#bytes(value.bytes);
    if (!encoding) return;
    this.#long(1);
    this.#symbol(encoding[0]);
    const tag = encoding[1];
    this.value(typeof tag === 'boolean' ? tag : this.#encodingName(tag));
  }

  /** Ruby writes an encoding's name once per dump as a binary string, then links to it. */
  #encodingName(name: string): RubyString {
    const known = this.#encodingNames.get(name);
    if (known) return known;
    const string = new RubyString(Buffer.from(name, 'latin1'), 'ASCII-8BIT');
    this.#encodingNames.set(name, string);
    return string;
  }

  #ivars(ivars: ReadonlyMap<string, RubyValue>): void {
    this.#long(ivars.size);
    for (const [name, item] of ivars) {
      this.#symbol(name);
      this.value(item);
    }
  }

  #symbol(name: string): void {
    const seen = this.#symbols.get(name);
    if (seen !== undefined) {
      this.#byte(0x3b);
      this.#long(seen);
      return;
    }
    this.#symbols.set(name, this.#symbols.size);
    const bytes = Buffer.from(name, 'utf8');
    const ascii = bytes.every((b) => b < 0x80);
    if (!ascii) this.#byte(0x49);
    this.#byte(0x3a);
    this.#bytes(bytes);
    if (ascii) return;
    this.#long(1);
    this.#symbol('E');
    this.value(true);
  }

  #integer(value: number): void {
    if (!Number.isSafeInteger(value)) throw new TypeError(`not a Ruby Integer: ${value}`);
    if (value < FIXNUM_MIN || value > FIXNUM_MAX) {
      this.#bigint(BigInt(value));
      return;
    }
    this.#byte(0x69);
    this.#long(value);
  }

  #bigint(value: bigint): void {
    if (value >= BigInt(FIXNUM_MIN) && value <= BigInt(FIXNUM_MAX)) {
      this.#integer(Number(value));
      return;
    }
    this.#objectCount++;
    const magnitude = value < 0n ? -value : value;
    const bytes: number[] = [];
    for (let rest = magnitude; rest > 0n; rest >>= 8n) bytes.push(Number(rest & 0xffn));
    if (bytes.length % 2 === 1) bytes.push(0);
    this.#byte(0x6c);
    this.#byte(value < 0n ? 0x2d : 0x2b);
    this.#long(bytes.length / 2);
    this.#chunks.push(...bytes);
  }

  /** Marshal's variable-length integer (`w_long`). */
  #long(value: number): void {
    if (value === 0) this.#byte(0);
    else if (value > 0 && value < 123) this.#byte(value + 5);
    else if (value < 0 && value > -124) this.#byte((value - 5) & 0xff);
    else {
      const bytes: number[] = [];
      let rest = value;
      for (;;) {
        bytes.push(rest & 0xff);
        rest >>= 8;
        if (rest === 0 || rest === -1) break;
      }
      this.#byte(rest === 0 ? bytes.length : 256 - bytes.length);
      this.#chunks.push(...bytes);
    }
  }

  #bytes(bytes: Uint8Array): void {
    this.#long(bytes.length);
    for (const b of bytes) this.#chunks.push(b);
  }

  #byte(b: number): void {
    this.#chunks.push(b);
  }
}

/** The ivar Ruby writes for a string's encoding: `E` true/false for UTF-8/US-ASCII, `encoding` for others, none for binary. */
function encodingIvar(value: RubyString): [string, boolean | string] | undefined {
  switch (value.encoding) {
    case 'ASCII-8BIT':
      return undefined;
    case 'UTF-8':
      return ['E', true];
    case 'US-ASCII':
      return ['E', false];
    default:
      return ['encoding', value.encoding];
  }
}

function symbolText(value: symbol): string {
  const name = symbolName(value);
  if (name === undefined) throw new TypeError(`not a Ruby Symbol: ${String(value)} (use Symbol.for)`);
  return name;
}
