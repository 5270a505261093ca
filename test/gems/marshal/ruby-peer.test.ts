import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadMarshal } from '../../../src/gems/marshal/read.js';
import { RubyString, RubyUserDefined, RubyUserMarshal, sym } from '../../../src/gems/marshal/values.js';
import { dumpMarshal } from '../../../src/gems/marshal/write.js';
import { ruby, rubyEach } from '../ruby.js';
import { peerClasses, rubyValue } from './arbitraries.js';
import { show } from './show.js';

describe('Ruby as the Marshal peer', () => {
  it('loads what we write to the values we meant, and dumps them again byte for byte', () => {
    const values = fc.sample(rubyValue, { numRuns: 300, seed: 4_8 });
    const ours = values.map((value) => dumpMarshal(value));
    const again = rubyEach(`${peerClasses(values)}; Marshal.dump(Marshal.load(data))`, ours);
    expect(again).toHaveLength(ours.length);
    ours.forEach((dumped, i) => {
      expect(again[i]?.toString('hex')).toBe(dumped.toString('hex'));
    });
  });

  it('agrees on what the loaded values are', () => {
    const value = [
      RubyString.utf8('日本語'),
      sym('runtime'),
      2n ** 80n,
      -5,
      new RubyUserMarshal('Gem::Version', [RubyString.utf8('1.7.5')]),
    ];
    const inspect = ruby('require "rubygems"; p Marshal.load(STDIN.read)', dumpMarshal(value)).trim();
    expect(inspect).toBe('["日本語", :runtime, 1208925819614629174706176, -5, #<Gem::Version "1.7.5">]');
  });

  it('reads what Ruby dumps: gem objects, Time, encodings, Bignums, shared objects', () => {
    const corpus = [
      'nil',
      '[true, false, 0, -1, 122, 123, -123, -124, 255, 256, -256, 65535, 2**30 - 1, 2**30, -2**30, -2**30 - 1]',
      '[2**62, -2**62, 2**64, 2**200, -(2**200)]',
      '["utf8 é", "ascii".encode("US-ASCII"), "\\xff\\x00".b, "sjis".encode("Shift_JIS"), "e".encode("EUC-JP")]',
      's = "shared"; a = [1]; [s, s, a, a, :sym, :sym, :"é", :"é"]',
      '{ "k" => 1, :s => [nil], 3 => { 4 => 5 } }',
      'Time.utc(2013, 1, 1)',
      'Gem::Version.new("1.2.3.rc1")',
      'Gem::Requirement.new(">= 2.2", "< 3")',
      'Gem::Dependency.new("json", ">= 1.5")',
      'Gem::Platform.new("x86_64-linux")',
      'v = Gem::Version.new("1.0"); [["a", v, "ruby"], ["b", v, "ruby"]]',
      's = Gem::Specification.new { |s| s.name = "x"; s.version = "1"; s.summary = "y"; s.authors = ["z"]; s.date = Time.utc(2013, 1, 1) }; s.add_runtime_dependency("json", "~> 1.8"); s',
    ];
    const dumps = rubyEach(
      'Marshal.dump(eval(data.force_encoding("UTF-8")))',
      corpus.map((expression) => Buffer.from(expression)),
    );
    expect(dumps).toHaveLength(corpus.length);
    for (const dumped of dumps) {
      expect(dumpMarshal(loadMarshal(dumped, 'ruby')).toString('hex')).toBe(dumped.toString('hex'));
    }
    const [, fixnums, bignums, strings, shared, , time, version] = dumps.map((d) => loadMarshal(d, 'ruby'));
    expect(show(fixnums ?? null)).toBe(
      '[true,false,0,-1,122,123,-123,-124,255,256,-256,65535,1073741823,1073741824,-1073741824,-1073741825]',
    );
    expect(bignums).toEqual([2n ** 62n, -(2n ** 62n), 2n ** 64n, 2n ** 200n, -(2n ** 200n)]);
    expect((strings as RubyString[]).map((s) => [s.encoding, s.text])).toEqual([
      ['UTF-8', 'utf8 é'],
      ['US-ASCII', 'ascii'],
      ['ASCII-8BIT', 'ÿ\0'],
      ['Shift_JIS', 'sjis'],
      ['EUC-JP', 'e'],
    ]);
    const [s1, s2, a1, a2] = shared as unknown[];
    expect(s1).toBe(s2);
    expect(a1).toBe(a2);
    expect(time).toBeInstanceOf(RubyUserDefined);
    expect((time as RubyUserDefined).className).toBe('Time');
    expect(show(version ?? null)).toBe(show(new RubyUserMarshal('Gem::Version', [RubyString.utf8('1.2.3.rc1')])));
  });
});
