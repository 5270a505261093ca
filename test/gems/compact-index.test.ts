import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { type IndexEntry, parseInfo, parseVersions } from '../../src/gems/compact-index.js';
import { formatRequirement } from '../../src/gems/requirement.js';
import { infoLine, type WorldGem } from '../world/gems.js';
import { gemName, operator, versionText } from './arbitraries.js';

const URL = 'https://gems.example/info/reline';
const SHA = 'a'.repeat(64);

const summary = (entry: IndexEntry) => ({
  version: entry.version.text,
  platform: entry.platform,
  dependencies: entry.dependencies.map((d) => `${d.name} ${formatRequirement(d.requirement)}`),
  sha256: entry.sha256,
  ruby: formatRequirement(entry.ruby),
  rubygems: formatRequirement(entry.rubygems),
});

describe('parseInfo', () => {
  it('reads the shapes rubygems.org serves', () => {
    const body = [
      '---',
      `0.1.0 |checksum:${SHA}`,
      `0.2.0 io-console:~> 0.5|checksum:${'B'.repeat(64)},ruby:>= 2.6`,
      `0.5.0 io-console:~> 0.5,unicode-display_width:< 3.0&>= 2.4.0|checksum:${SHA},ruby:>= 2.6,rubygems:> 1.3.1`,
      `1.0.0-x86-mingw32 |checksum:${SHA}`,
      `1.0.0.pre.1-java foo:= 1.0|checksum:${SHA},created_at:2024-01-01`,
      '',
    ].join('\n');
    expect(parseInfo(body, URL).map(summary)).toEqual([
      { version: '0.1.0', platform: undefined, dependencies: [], sha256: SHA, ruby: '>= 0', rubygems: '>= 0' },
      {
        version: '0.2.0',
        platform: undefined,
        dependencies: ['io-console ~> 0.5'],
        sha256: 'b'.repeat(64),
        ruby: '>= 2.6',
        rubygems: '>= 0',
      },
      {
        version: '0.5.0',
        platform: undefined,
        dependencies: ['io-console ~> 0.5', 'unicode-display_width < 3.0, >= 2.4.0'],
        sha256: SHA,
        ruby: '>= 2.6',
        rubygems: '> 1.3.1',
      },
      { version: '1.0.0', platform: 'x86-mingw32', dependencies: [], sha256: SHA, ruby: '>= 0', rubygems: '>= 0' },
      {
        version: '1.0.0.pre.1',
        platform: 'java',
        dependencies: ['foo = 1.0'],
        sha256: SHA,
        ruby: '>= 0',
        rubygems: '>= 0',
      },
    ]);
  });

  it('tolerates CRLF, a missing checksum and an empty body', () => {
    expect(parseInfo('---\r\n1.0 \r\n', URL).map(summary)).toEqual([
      { version: '1.0', platform: undefined, dependencies: [], sha256: undefined, ruby: '>= 0', rubygems: '>= 0' },
    ]);
    expect(parseInfo('---\n', URL)).toEqual([]);
    expect(parseInfo('', URL)).toEqual([]);
  });

  it.each([
    [`---\n1.0 |checksum:${SHA}\nnot a version |checksum:${SHA}\n`, 3, "malformed version 'not'"],
    [`---\n1.0 json|checksum:${SHA}\n`, 2, "bad dependency 'json'"],
    [`---\n1.0 json:>> 1|checksum:${SHA}\n`, 2, "malformed requirement '>> 1'"],
    ['---\n1.0 |checksum:xyz\n', 2, "bad checksum 'xyz'"],
    [`---\n1.0- |checksum:${SHA}\n`, 2, 'empty platform'],
    [`---\n1.0 |checksum:${SHA},ruby:banana\n`, 2, "malformed requirement 'banana'"],
    ['<html>\n<body>oops</body>\n', 1, "malformed version '<html>'"],
  ])('rejects malformed line naming the URL and line: %j', (body, line, reason) => {
    expect(() => parseInfo(body, URL)).toThrow(InputError);
    expect(() => parseInfo(body, URL)).toThrow(`${URL} line ${line}: ${reason}`);
  });

  it('reads back every line the world writes', () => {
    const clause = fc.tuple(operator, versionText).map(([op, v]) => `${op} ${v}`);
    const dependency = fc.record({
      name: gemName,
      requirement: fc.array(clause, { minLength: 1, maxLength: 3 }).map((c) => c.join(', ')),
      type: fc.constantFrom('runtime' as const, 'development' as const),
    });
    const gem = fc.record(
      {
        name: gemName,
        version: versionText.map((v) => v.replaceAll('-', '.pre.')),
        platform: fc.constantFrom('java', 'x86-mingw32', 'universal-darwin'),
        dependencies: fc.uniqueArray(dependency, { maxLength: 4, selector: (d) => d.name }),
        ruby: clause,
      },
      { requiredKeys: ['name', 'version', 'dependencies'] },
    );
    fc.assert(
      fc.property(gem, fc.stringMatching(/^[0-9a-f]{64}$/), (world: WorldGem, sha) => {
        const [entry] = parseInfo(`---\n${infoLine(world, sha)}\n`, URL);
        const runtime = (world.dependencies ?? []).filter((d) => d.type === 'runtime');
        expect(entry?.version.text).toBe(world.version);
        expect(entry?.platform).toBe(world.platform);
        expect(entry?.sha256).toBe(sha);
        expect(entry?.dependencies.map((d) => d.name).sort()).toEqual(runtime.map((d) => d.name).sort());
        for (const dep of entry?.dependencies ?? []) {
          const clauses = runtime.find((d) => d.name === dep.name)?.requirement.split(', ') ?? [];
          expect(dep.requirement.constraints).toHaveLength(clauses.length);
        }
        expect(entry?.ruby.constraints).toHaveLength(world.ruby ? 1 : 0);
      }),
    );
  });
});

describe('parseVersions', () => {
  it('applies appended lines and yanks; the last MD5 is current', () => {
    const md5 = (c: string): string => c.repeat(32);
    const body = [
      'created_at: 2024-01-01T00:00:00Z',
      '---',
      `rack 1.0.0,1.1.0 ${md5('1')}`,
      `json 2.0.0,2.0.0-java ${md5('2')}`,
      `rack 1.2.0 ${md5('3')}`,
      `rack -1.1.0 ${md5('4')}`,
      '',
    ].join('\n');
    expect(Object.fromEntries(parseVersions(body, 'https://gems.example/versions'))).toEqual({
      rack: { versions: ['1.0.0', '1.2.0'], infoMd5: md5('4') },
      json: { versions: ['2.0.0', '2.0.0-java'], infoMd5: md5('2') },
    });
  });

  it.each([
    ['---\nrack 1.0.0\n', 2],
    ['---\nrack 1.0.0 zzz\n', 2],
    [`---\nrack 1.0.0 ${'a'.repeat(32)}\n-rack 1.0 ${'a'.repeat(32)}\n`, 3],
    [`---\nrack 1.0.0 ${'a'.repeat(32)} extra\n`, 2],
  ])('rejects %j naming the URL and line', (body, line) => {
    expect(() => parseVersions(body, 'https://gems.example/versions')).toThrow(
      `https://gems.example/versions line ${line}: expected NAME VERSIONS MD5`,
    );
  });
});
