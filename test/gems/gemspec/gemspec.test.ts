import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArchiveError, InputError } from '../../../src/errors.js';
import { readGemSpec } from '../../../src/gems/gemspec/gem-file.js';
import { parsePlatform } from '../../../src/gems/gemspec/platform.js';
import { loadSpecificationYaml, plainKind } from '../../../src/gems/gemspec/psych.js';
import { dumpSpecification, specFromYaml } from '../../../src/gems/gemspec/specification.js';
import { formatRequirement } from '../../../src/gems/requirement.js';
import { rubySort } from '../../../src/gems/ruby-sort.js';
import { buildGem, gemspecYaml } from '../../world/gems.js';
import { tar } from '../../world/gems-tar.js';
import { gemOfYaml } from '../peer-gems.js';
import { ruby } from '../ruby.js';

const HEAD = '--- !ruby/object:Gem::Specification\n';

describe('plain YAML scalars, as Psych reads them', () => {
  it('agree with Psych on what each is', () => {
    const plain = fc
      .stringMatching(/^[a-zA-Z0-9_.,:+ -]{1,10}$/)
      .filter((t) => t.trim() === t && !/: |:$|^[-:?,]/.test(t));
    const samples = [
      ...fc.sample(plain, { numRuns: 400, seed: 7 }),
      ...['~', 'null', 'NULL', 'yes', 'No', 'on', 'off', 'true', 'False', '0', '-12', '0x1f', '0o7', '0755', '0b101'],
      ...['1_000', '1,000', '1.5', '.5', '1e3', '1.0e+3', '.inf', '-.inf', '.nan', '1:30', '1:30.5', ':runtime'],
      ...['2013-01-01', '2013-02-30', '2013-1-1', '2013-01-01 00:00:00 Z', '2013-01-01T10:00:00+05:30', '1.6.18'],
    ];
    const script = `require 'psych'; require 'date'
      STDIN.read.split("\\n").each do |t|
        v = Psych.safe_load("--- " + t, permitted_classes: [Symbol, Date, Time]) rescue (puts 'error'; next)
        puts(case v when Integer then "integer #{v}" when Float then "float" when Symbol then "symbol #{v}"
             when Time then "time #{v.utc.strftime('%F')}" when Date then "date #{v.strftime('%F')}"
             when String then "string" when nil then "nil" else "boolean #{v}" end)
      end`;
    const theirs = ruby(script, samples.join('\n')).trim().split('\n');
    const ours = samples.map((text) => {
      const kind = plainKind(text);
      switch (kind.kind) {
        case 'integer':
          return `integer ${kind.value}`;
        case 'boolean':
          return `boolean ${kind.value}`;
        case 'symbol':
          return `symbol ${kind.name}`;
        case 'time':
          return `time ${kind.utc.toISOString().slice(0, 10)}`;
        case 'date':
          return `date ${kind.year}-${String(kind.month).padStart(2, '0')}-${String(kind.day).padStart(2, '0')}`;
        case 'sexagesimal number':
          return 'sexagesimal';
        default:
          return kind.kind;
      }
    });
    const compared = samples
      .map((text, i) => [text, ours[i], theirs[i]])
      .filter(([, , psych]) => psych !== 'error')
      // Psych reads base-60 as a number; we refuse it, which is the point of naming it.
      .filter(([, mine]) => mine !== 'sexagesimal');
    expect(compared.filter(([, mine, psych]) => mine !== psych)).toEqual([]);
    expect(compared.length).toBeGreaterThan(300);
  });
});

describe('Gem::Platform strings', () => {
  it('split into cpu, os and version as RubyGems does', () => {
    const piece = fc.constantFrom(
      'x86',
      'i686',
      'x86_64',
      'universal',
      'java',
      'jruby',
      'darwin',
      'darwin9',
      'linux',
      'gnu',
      'musl',
      'mingw32',
      'mingw',
      'ucrt',
      'mswin32',
      'mswin64',
      '60',
      '1.5',
      '9',
      'freebsd12',
      'aix7',
      'solaris2.10',
      'dalvik3',
      'dotnet',
      'dotnet4.0',
      'java1.8',
      'netbsdelf',
      'openbsd6.2',
      'foo_platform2',
      'eabihf',
      '',
    );
    const platforms = [
      ...fc.sample(
        fc.array(piece, { minLength: 1, maxLength: 4 }).map((p) => p.join('-')),
        { numRuns: 300, seed: 3 },
      ),
      'x86-mswin32-60',
      'universal-darwin-9',
      'x86_64-linux-gnu',
      'arm-linux-gnueabihf',
    ].filter((p) => p !== '' && p !== 'ruby');
    const theirs = ruby(
      `require 'rubygems'; STDIN.read.split("\\n").each { |t| puts Gem::Platform.new(t).to_a.inspect }`,
      platforms.join('\n'),
    )
      .trim()
      .split('\n');
    const ours = platforms.map((p) => {
      const { cpu, os, version } = parsePlatform(p);
      return `[${[cpu, os, version].map((v) => (v === null ? 'nil' : JSON.stringify(v))).join(', ')}]`;
    });
    expect(platforms.map((p, i) => [p, ours[i]])).toEqual(platforms.map((p, i) => [p, theirs[i]]));
  });
});

describe('rubySort', () => {
  it("orders as Ruby's Array#sort does, even for comparators that are not orders", () => {
    const cases = fc.sample(
      fc.tuple(
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.constantFrom(-1, 0, 1), { minLength: 1600, maxLength: 1600 }),
      ),
      { numRuns: 25, seed: 11 },
    );
    const script = `STDIN.read.split("\\n").each { |l| n, *t = l.split(' ').map(&:to_i); p (0...n).to_a.sort { |a, b| t[a * 40 + b] } }`;
    const theirs = ruby(script, cases.map(([n, t]) => [n, ...t].join(' ')).join('\n'))
      .trim()
      .split('\n');
    const ours = cases.map(([n, t]) =>
      JSON.stringify(rubySort([...Array(n).keys()], (a, b) => t[a * 40 + b] ?? 0)).replaceAll(',', ', '),
    );
    expect(ours).toEqual(theirs);
  });
});

describe('readGemSpec', () => {
  it('reads the typed spec of a .gem', async () => {
    const gem = {
      name: 'stomp',
      version: '1.3.2',
      dependencies: [
        { name: 'connection_pool', requirement: '>= 2.2, < 3', type: 'runtime' as const },
        { name: 'rake', requirement: '>= 0', type: 'development' as const },
      ],
    };
    const { spec } = await readGemSpec(buildGem(gem), 'stomp-1.3.2.gem');
    expect({
      ...spec,
      version: spec.version.text,
      requiredRubyVersion: formatRequirement(spec.requiredRubyVersion),
      requiredRubygemsVersion: formatRequirement(spec.requiredRubygemsVersion),
      dependencies: spec.dependencies.map((d) => `${d.type} ${d.name} ${formatRequirement(d.requirement)}`),
    }).toEqual({
      name: 'stomp',
      version: '1.3.2',
      platform: 'ruby',
      summary: 'stomp 1.3.2',
      requiredRubyVersion: '>= 0',
      requiredRubygemsVersion: '>= 0',
      dependencies: ['runtime connection_pool >= 2.2, < 3', 'development rake >= 0'],
    });
  });

  const base = gemspecYaml({ name: 'h', version: '1.0' });
  it.each<[string, string, string]>([
    [
      'a tag RubyGems does not permit',
      `${base}extra: !ruby/object:Kernel {}\n`,
      "YAML tag '!ruby/object:Kernel' is not permitted",
    ],
    ['a symbol RubyGems does not permit', `${base}extra: :system\n`, "YAML symbol ':system' is not permitted"],
    ['a float', `${base}extra: 1.5\n`, "YAML float '1.5' where RubyGems permits none"],
    ['a merge key', `${base}extra:\n  <<: {a: b}\n`, 'YAML merge key'],
    ['an alias to itself', `${base}extra: &a [*a]\n`, "YAML alias '*a' to nowhere or to itself"],
    ['not a gemspec', '--- {name: x}\n', 'YAML is not a !ruby/object:Gem::Specification'],
    ['broken YAML', `${HEAD}name: [\n`, 'YAML: '],
    ['a duplicate key', `${base}name: other\n`, 'YAML: '],
    ['no date', gemspecYaml({ name: 'h', version: '1.0' }).replace(/^date: .*\n/m, ''), 'no date'],
  ])('refuses %s', (_what, yaml, reason) => {
    expect(() => loadAndIndex(yaml)).toThrow(InputError);
    expect(() => loadAndIndex(yaml)).toThrow(`h.gem: ${reason}`);
  });

  const loadAndIndex = (yaml: string) => specFromYaml(loadSpecificationYaml(yaml, 'h.gem'), 'h.gem');

  it('refuses deep nesting and keeps aliases shared (no billion laughs)', async () => {
    const nested = (depth: number): string => `${base}extra: ${'['.repeat(depth)}${']'.repeat(depth)}\n`;
    expect(() => loadSpecificationYaml(nested(100), 'h.gem')).toThrow(
      new InputError('h.gem: YAML nested deeper than 64'),
    );
    // Far deeper, the YAML parser itself gives up first; either way one line naming the file.
    expect(() => loadSpecificationYaml(nested(50_000), 'h.gem')).toThrow(/^h\.gem: YAML[^\n]*$/);
    const indented = Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i)}- `).join('\n');
    expect(() => loadSpecificationYaml(`${base}extra:\n${indented}x\n`, 'h.gem')).toThrow(/^h\.gem: YAML[^\n]*$/);
    const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++)
      laughs.push(
        `${'abcdefghi'[i]}: &${'abcdefghi'[i]} [${Array(9)
          .fill(`*${'abcdefghi'[i - 1]}`)
          .join(',')}]`,
      );
    const yaml = base.replace('metadata: {}\n', `metadata:\n${laughs.map((l) => `  ${l}`).join('\n')}\n`);
    const { spec, fields } = await readGemSpec(gemOfYaml(yaml), 'h.gem');
    expect(spec.name).toBe('h');
    // 9^9 strings if expanded; Marshal links keep the dump small.
    expect(dumpSpecification(fields).length).toBeLessThan(4096);
  });

  it.each<[string, Buffer, string]>([
    [
      'a tar without metadata.gz',
      tar([{ path: 'data.tar.gz', data: Buffer.alloc(1), mode: 0o644 }], 0),
      'no metadata.gz',
    ],
    [
      'a metadata bomb',
      tar([{ path: 'metadata.gz', data: gzipSync(Buffer.alloc(17 * 1024 * 1024)), mode: 0o644 }], 0),
      'metadata.gz',
    ],
    ['truncated', buildGem({ name: 'h', version: '1.0' }).subarray(0, 700), 'h.gem'],
  ])('refuses %s with an ArchiveError', async (_what, gem, reason) => {
    await expect(readGemSpec(gem, 'h.gem')).rejects.toThrow(ArchiveError);
    await expect(readGemSpec(gem, 'h.gem')).rejects.toThrow(reason);
  });

  it('refuses metadata that is not UTF-8', async () => {
    const gem = tar(
      [{ path: 'metadata.gz', data: gzipSync(Buffer.from([0x2d, 0x2d, 0x2d, 0x20, 0xff])), mode: 0o644 }],
      0,
    );
    await expect(readGemSpec(gem, 'h.gem')).rejects.toThrow(new InputError('h.gem: metadata.gz is not UTF-8'));
  });
});
