import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArchiveError } from '../../../src/errors.js';
import { loadMarshal } from '../../../src/gems/marshal/read.js';
import {
  RubyHash,
  RubyObject,
  RubyString,
  RubyUserDefined,
  RubyUserMarshal,
  type RubyValue,
  sym,
} from '../../../src/gems/marshal/values.js';
import { dumpMarshal } from '../../../src/gems/marshal/write.js';
import { rubyValue } from './arbitraries.js';
import { show } from './show.js';

const FILE = 'specs.4.8';

const hex = (text: string): Buffer => Buffer.from(text.replaceAll(' ', ''), 'hex');
const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');
const load = (data: Uint8Array): RubyValue => loadMarshal(data, FILE);

describe('Marshal writer and reader', () => {
  it('read back what they write, links and all', () => {
    fc.assert(
      fc.property(rubyValue, (value) => {
        const dumped = dumpMarshal(value);
        const loaded = load(dumped);
        expect(show(loaded)).toBe(show(value));
        expect(dumpMarshal(loaded).equals(dumped)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it.each<[string, RubyValue, Buffer]>([
    ['nil', null, bytes('\x04\x080')],
    ['a Fixnum at the top of the 31-bit range', 2 ** 30 - 1, bytes('\x04\x08i\x04\xff\xff\xff?')],
    ['a Bignum just past it', 2 ** 30, bytes('\x04\x08l+\x07\x00\x00\x00@')],
    ['the lowest Fixnum', -(2 ** 30), bytes('\x04\x08i\xfc\x00\x00\x00\xc0')],
    ['a negative Bignum', -(2 ** 30) - 1, bytes('\x04\x08l-\x07\x01\x00\x00@')],
    ['a UTF-8 symbol', sym('é'), bytes('\x04\x08I:\x07\xc3\xa9\x06:\x06ET')],
    ['a binary string', new RubyString(Buffer.from('a'), 'ASCII-8BIT'), bytes('\x04\x08"\x06a')],
    [
      'a Shift_JIS string',
      new RubyString(Buffer.from('a'), 'Shift_JIS'),
      bytes('\x04\x08I"\x06a\x06:\x0dencoding"\x0eShift_JIS'),
    ],
    [
      'Time.utc(2013, 1, 1)',
      new RubyUserDefined(
        'Time',
        hex('20401cc0 00000000'),
        new Map([['zone', new RubyString(bytes('UTC'), 'US-ASCII')]]),
      ),
      bytes('\x04\x08Iu:\x09Time\x0d @\x1c\xc0\x00\x00\x00\x00\x06:\x09zoneI"\x08UTC\x06:\x06EF'),
    ],
  ])('write %s as Ruby does', (_name, value, expected) => {
    expect(dumpMarshal(value).toString('hex')).toBe(expected.toString('hex'));
    expect(show(load(expected))).toBe(show(value));
  });

  it('number the object table as Ruby does: a `U` before its data, a `u` after', () => {
    const version = new RubyUserMarshal('Gem::Version', [RubyString.utf8('1.0')]);
    const time = new RubyUserDefined('Time', hex('20401cc0 00000000'));
    const dumped = dumpMarshal([version, time, version, time]);
    // [ U(#1)[#2]"#3" u(#4) @1 @4
    expect(dumped.subarray(-4)).toEqual(bytes('@\x06@\x09'));
  });

  it('write an encoding name once per dump, then link to it', () => {
    const a = new RubyString(Buffer.from('a'), 'EUC-JP');
    const b = new RubyString(Buffer.from('b'), 'EUC-JP');
    const dumped = dumpMarshal([a, b]);
    expect(dumped.toString('latin1')).toBe('\x04\x08[\x07I"\x06a\x06:\x0dencoding"\x0bEUC-JPI"\x06b\x06;\x00@\x07');
    expect(show(load(dumped))).toBe(show([a, b]));
  });
});

describe('the Marshal reader refuses hostile input', () => {
  const sample = dumpMarshal([
    RubyString.utf8('facter'),
    new RubyUserMarshal('Gem::Version', [RubyString.utf8('1.7.5')]),
    new RubyObject('Gem::Platform', new Map([['@os', RubyString.utf8('java')]])),
    new RubyHash([[sym('k'), 2n ** 70n]]),
  ]);

  it('every truncation', () => {
    for (let length = 0; length < sample.length; length++) {
      expect(() => load(sample.subarray(0, length))).toThrow(ArchiveError);
    }
  });

  it.each<[string, Buffer, string]>([
    ['another format', bytes('\x04\x090'), 'Marshal format 4.9, expected 4.8'],
    ['trailing bytes', bytes('\x04\x0800'), '1 trailing bytes'],
    ['a string longer than the input', bytes('\x04\x08"\x04\xff\xff\xff\x7fabc'), 'length 2147483647 beyond the data'],
    ['an array longer than the input', bytes('\x04\x08[\x02\x00\x01'), 'length 256 beyond the data'],
    ['a negative length', bytes('\x04\x08[\xfa'), 'length -1 beyond the data'],
    ['a link to nowhere', bytes('\x04\x08[\x06@\x06'), 'object link 1 to nowhere'],
    ['a symbol link to nowhere', bytes('\x04\x08;\x00'), 'symbol link 0 to nowhere'],
    ['a float', bytes('\x04\x08f\x061'), 'unsupported type byte 0x66'],
    ['a class', bytes('\x04\x08c\x08Foo'), 'unsupported type byte 0x63'],
    ['a regexp', bytes('\x04\x08/\x06a\x00'), 'unsupported type byte 0x2f'],
    ['ivars on an array', bytes('\x04\x08I[\x00\x00'), 'instance variables on type byte 0x5b'],
    ['a string with extra ivars', bytes('\x04\x08I"\x06a\x07:\x06ET:\x06xi\x06'), 'other instance variables'],
    ['a binary symbol', bytes('\x04\x08:\x06\xff'), 'a binary symbol'],
    ['a symbol that is not UTF-8', bytes('\x04\x08I:\x06\xff\x06:\x06ET'), 'a symbol that is not UTF-8'],
    ['a class name that is not a symbol', bytes('\x04\x08o"\x06A\x00'), 'expected a symbol'],
    ['a U that contains itself', bytes('\x04\x08U:\x06A@\x00'), 'object link 0 to nowhere'],
  ])('%s', (_name, data, reason) => {
    expect(() => load(data)).toThrow(ArchiveError);
    expect(() => load(data)).toThrow(reason);
    expect(() => load(data)).toThrow(/^specs\.4\.8: bad Marshal data at byte \d+: /);
  });

  it('deep nesting', () => {
    const deep = Buffer.concat([bytes('\x04\x08'), Buffer.alloc(100_000, '['.charCodeAt(0) + 0).fill(bytes('[\x06'))]);
    expect(() => load(deep)).toThrow('nested deeper than 64');
    expect(() => loadMarshal(bytes('\x04\x08[\x06[\x060'), FILE, { maxDepth: 2 })).toThrow('nested deeper than 2');
  });

  it('random bytes, with only ArchiveErrors', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(sample.length - 1), (noise, at) => {
        for (const data of [
          Buffer.concat([bytes('\x04\x08'), noise]),
          Buffer.from(sample).fill(noise[0] ?? 0, at, at + 1),
        ]) {
          try {
            load(data);
          } catch (error) {
            expect(error).toBeInstanceOf(ArchiveError);
            expect((error as Error).message).not.toContain('\n');
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});
