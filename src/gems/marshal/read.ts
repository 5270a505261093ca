import { quoted } from '../../config/quote.js';
import { ArchiveError } from '../../errors.js';
import { RubyHash, RubyObject, RubyString, RubyUserDefined, RubyUserMarshal, type RubyValue, sym } from './values.js';

export interface LoadOptions {
  /** How deep arrays, hashes and objects may nest (default 64; gem indexes need 6). */
  readonly maxDepth?: number;
}

/**
 * Reads Ruby's Marshal 4.8 into plain values (see values.ts), never running
 * or naming anything outside the data: classes stay names. Input that is not
 * exactly one value in the subset gem indexes use (nil, booleans, Integer,
 * String, Symbol, Array, Hash, `o`, `u`, `U` and links) is refused with an
 * ArchiveError naming `file` and the byte offset; so are lengths beyond the
 * input, nesting beyond `maxDepth`, links to nowhere and trailing bytes.
 */
export function loadMarshal(bytes: Uint8Array, file: string, options: LoadOptions = {}): RubyValue {
  const reader = new MarshalReader(bytes, file, options.maxDepth ?? 64);
  return reader.document();
}

/** A table slot whose object is still being read (a link to it would be a cycle through a `U` or a string). */
const PENDING = Symbol('pending');

const decoder = new TextDecoder('utf-8', { fatal: true });

class MarshalReader {
  #offset = 0;
  #depth = 0;
  readonly #objects: (RubyValue | typeof PENDING)[] = [];
  readonly #symbols: (string | typeof PENDING)[] = [];

  constructor(
    private readonly bytes: Uint8Array,
    private readonly file: string,
    private readonly maxDepth: number,
  ) {}

  document(): RubyValue {
    const major = this.#byte();
    const minor = this.#byte();
    if (major !== 4 || minor !== 8) this.#fail(`Marshal format ${major}.${minor}, expected 4.8`, 0);
    const value = this.#value();
    if (this.#offset !== this.bytes.length) {
      this.#fail(`${this.bytes.length - this.#offset} trailing bytes`);
    }
    return value;
  }

  #value(): RubyValue {
    if (++this.#depth > this.maxDepth) this.#fail(`nested deeper than ${this.maxDepth}`);
    const at = this.#offset;
    const type = this.#byte();
    let value: RubyValue;
    switch (type) {
      case 0x30: // 0
        value = null;
        break;
      case 0x54: // T
        value = true;
        break;
      case 0x46: // F
        value = false;
        break;
      case 0x69: // i
        value = this.#long();
        break;
      case 0x6c: // l
        value = this.#remember(this.#bignum());
        break;
      case 0x22: // "
        value = this.#remember(new RubyString(this.#bytes(), 'ASCII-8BIT'));
        break;
      case 0x3a: // :
      case 0x3b: // ;
        this.#offset = at;
        value = sym(this.#symbol());
        break;
      case 0x40: // @
        value = this.#link();
        break;
      case 0x49: // I
        value = this.#withIvars();
        break;
      case 0x5b: // [
        value = this.#array();
        break;
      case 0x7b: // {
        value = this.#hash();
        break;
      case 0x6f: // o
        value = this.#object();
        break;
      case 0x75: // u
        value = this.#userDefined(false);
        break;
      case 0x55: // U
        value = this.#userMarshal();
        break;
      default:
        this.#fail(`unsupported type byte 0x${type.toString(16).padStart(2, '0')}`, at);
    }
    this.#depth--;
    return value;
  }

  /** `I`: a string with its encoding, a symbol with its encoding, or a `u` with ivars on its data. */
  #withIvars(): RubyValue {
    const at = this.#offset;
    const type = this.#byte();
    if (type === 0x22) {
      const slot = this.#reserve();
      const data = this.#bytes();
      const encoding = this.#encoding(this.#ivars());
      return this.#fill(slot, new RubyString(data, encoding));
    }
    if (type === 0x3a) {
      this.#offset = at - 1;
      return sym(this.#symbol());
    }
    if (type === 0x75) return this.#userDefined(true);
    return this.#fail(`instance variables on type byte 0x${type.toString(16).padStart(2, '0')}`, at);
  }

  #encoding(ivars: Map<string, RubyValue>): string {
    const at = this.#offset;
    if (ivars.size !== 1) this.#fail('a string with other instance variables than its encoding', at);
    const e = ivars.get('E');
    if (e === true) return 'UTF-8';
    if (e === false) return 'US-ASCII';
    const name = ivars.get('encoding');
    if (name instanceof RubyString && /^[A-Za-z0-9_.:-]{1,40}$/.test(name.text)) return name.text;
    return this.#fail('a string with a malformed encoding', at);
  }

  #array(): RubyValue[] {
    const items: RubyValue[] = [];
    this.#remember(items);
    const count = this.#count(1);
    for (let i = 0; i < count; i++) items.push(this.#value());
    return items;
  }

  #hash(): RubyHash {
    const hash = new RubyHash();
    this.#remember(hash);
    const count = this.#count(2);
    for (let i = 0; i < count; i++) {
      const key = this.#value();
      hash.entries.push([key, this.#value()]);
    }
    return hash;
  }

  #object(): RubyObject {
    const className = this.#symbol();
    const object = new RubyObject(className);
    this.#remember(object);
    for (const [name, value] of this.#ivars()) object.ivars.set(name, value);
    return object;
  }

  #userDefined(withIvars: boolean): RubyUserDefined {
    const className = this.#symbol();
    const data = this.#bytes();
    const ivars = withIvars ? this.#ivars() : new Map<string, RubyValue>();
    // Ruby numbers a `u` value after its data and ivars.
    return this.#remember(new RubyUserDefined(className, data, ivars));
  }

  #userMarshal(): RubyUserMarshal {
    const className = this.#symbol();
    const slot = this.#reserve();
    return this.#fill(slot, new RubyUserMarshal(className, this.#value()));
  }

  #ivars(): Map<string, RubyValue> {
    const ivars = new Map<string, RubyValue>();
    const count = this.#count(2);
    for (let i = 0; i < count; i++) {
      const at = this.#offset;
      const name = this.#symbol();
      if (ivars.has(name)) this.#fail(`instance variable ${quoted(name)} twice`, at);
      ivars.set(name, this.#value());
    }
    return ivars;
  }

  /** A symbol (`:`, `I:` or a `;` link), as its name. */
  #symbol(): string {
    const at = this.#offset;
    const type = this.#byte();
    if (type === 0x3b) {
      const index = this.#long();
      const name = this.#symbols[index];
      if (name === undefined || name === PENDING) this.#fail(`symbol link ${index} to nowhere`, at);
      return name;
    }
    const withIvars = type === 0x49 && this.#byte() === 0x3a;
    if (type !== 0x3a && !withIvars) this.#fail('expected a symbol', at);
    const slot = this.#symbols.length;
    this.#symbols.push(PENDING);
    const data = this.#bytes();
    // Ruby writes ASCII symbols bare and others with `E` true; a binary one has no JS name.
    if (withIvars) {
      const ivars = this.#ivars();
      if (ivars.size !== 1 || ivars.get('E') !== true) this.#fail('a symbol with other instance variables than E', at);
    } else if (data.some((b) => b >= 0x80)) {
      this.#fail('a binary symbol', at);
    }
    let name: string;
    try {
      name = decoder.decode(data);
    } catch {
      return this.#fail('a symbol that is not UTF-8', at);
    }
    this.#symbols[slot] = name;
    return name;
  }

  #link(): RubyValue {
    const at = this.#offset - 1;
    const index = this.#long();
    const value = this.#objects[index];
    if (value === undefined || value === PENDING) this.#fail(`object link ${index} to nowhere`, at);
    return value;
  }

  /** A Bignum, as a number when it is a safe integer (Ruby has one Integer class). */
  #bignum(): number | bigint {
    const at = this.#offset;
    const sign = this.#byte();
    if (sign !== 0x2b && sign !== 0x2d) this.#fail('bad Bignum sign', at);
    const data = this.#take(this.#count(2) * 2);
    let value = 0n;
    for (let i = data.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(data[i] ?? 0);
    const signed = sign === 0x2d ? -value : value;
    return signed >= BigInt(Number.MIN_SAFE_INTEGER) && signed <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(signed)
      : signed;
  }

  #remember<T extends RubyValue>(value: T): T {
    this.#objects.push(value);
    return value;
  }

  #reserve(): number {
    this.#objects.push(PENDING);
    return this.#objects.length - 1;
  }

  #fill<T extends RubyValue>(slot: number, value: T): T {
    this.#objects[slot] = value;
    return value;
  }

  /** A length-prefixed byte string. */
  #bytes(): Uint8Array {
    return this.#take(this.#count(1));
  }

  /** A count of items each at least `unit` bytes long, checked against what is left. */
  #count(unit: number): number {
    const at = this.#offset;
    const count = this.#long();
    if (count < 0 || count * unit > this.bytes.length - this.#offset) this.#fail(`length ${count} beyond the data`, at);
    return count;
  }

  /** Marshal's variable-length integer (`r_long`). */
  #long(): number {
    const c = (this.#byte() << 24) >> 24;
    if (c === 0) return 0;
    if (c > 4) return c - 5;
    if (c < -4) return c + 5;
    const n = Math.abs(c);
    const data = this.#take(n);
    let value = 0;
    for (let i = n - 1; i >= 0; i--) value = value * 256 + (data[i] ?? 0);
    return c < 0 ? value - 256 ** n : value;
  }

  #byte(): number {
    const b = this.bytes[this.#offset];
    if (b === undefined) this.#fail('truncated');
    this.#offset++;
    return b;
  }

  #take(n: number): Uint8Array {
    if (n > this.bytes.length - this.#offset) this.#fail('truncated');
    const data = this.bytes.subarray(this.#offset, this.#offset + n);
    this.#offset += n;
    return data;
  }

  #fail(reason: string, at = this.#offset): never {
    throw new ArchiveError(`${this.file}: bad Marshal data at byte ${at}: ${reason}`);
  }
}
