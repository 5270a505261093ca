import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { parseGemList } from '../../src/gems/gem-list.js';
import { formatRequirement, parseRequirement } from '../../src/gems/requirement.js';
import { WORLD_GEM_LIST } from '../world/gems.js';
import { gemName, operator, versionText } from './arbitraries.js';

const FILE = 'opt/gems/gem.list';
const summary = (text: string): [string, string, string][] =>
  parseGemList(text, FILE).map((r) => [r.name, formatRequirement(r.requirement), r.from]);

describe('parseGemList', () => {
  it("reads Razor's list", () => {
    expect(summary(WORLD_GEM_LIST)).toEqual([
      ['facter', '>= 0', `${FILE}:2`],
      ['json_pure', '>= 1.7.7', `${FILE}:3`],
      ['daemons', '>= 0', `${FILE}:5`],
      ['stomp', '>= 0', `${FILE}:6`],
    ]);
  });

  it('tolerates CRLF, tabs, inline comments, bare versions and several clauses', () => {
    const text =
      '# header\r\n\r\n\tfacter\t# the fact finder\r\nrake 10.0.3\r\nthor >= 0.18, < 2\r\n   # indented comment\r\n';
    expect(summary(text)).toEqual([
      ['facter', '>= 0', `${FILE}:3`],
      ['rake', '= 10.0.3', `${FILE}:4`],
      ['thor', '>= 0.18, < 2', `${FILE}:5`],
    ]);
  });

  it('keeps duplicates for the resolver to AND', () => {
    expect(summary('json_pure >= 1.7.7\njson_pure < 1.8\n').map(([name]) => name)).toEqual(['json_pure', 'json_pure']);
  });

  it('gives nothing for an empty or comment-only file', () => {
    expect(parseGemList('', FILE)).toEqual([]);
    expect(parseGemList('# nothing\n\n', FILE)).toEqual([]);
  });

  it.each([
    ['facter\n-json >= 1\n', 2, "'-json' is not a gem name"],
    ['facter\njson_pure >= \n', 2, "malformed requirement '>='"],
    ['\n\njson_pure, ">= 1.7.7"\n', 3, "'json_pure,' is not a gem name"],
    ['daemons ~> 1.x.\n', 1, "malformed requirement '~> 1.x.'"],
    ['stomp 1.0 2.0\n', 1, "malformed requirement '1.0 2.0'"],
  ])('rejects %j naming the file and line', (text, line, reason) => {
    expect(() => parseGemList(text, FILE)).toThrow(InputError);
    expect(() => parseGemList(text, FILE)).toThrow(`${FILE}:${line}: ${reason}`);
  });

  it('reads back whatever it is given, whatever the spacing', () => {
    const clause = fc.tuple(operator, versionText).map(([op, v]) => `${op} ${v}`);
    const entry = fc.tuple(gemName, fc.array(clause, { maxLength: 3 }));
    const space = fc.constantFrom(' ', '  ', '\t', ' \t ');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(entry, space, fc.boolean(), fc.boolean()), { maxLength: 8 }),
        fc.constantFrom('\n', '\r\n'),
        (entries, eol) => {
          const text = entries
            .map(([[name, clauses], sp, comment, blank]) => {
              const line = clauses.length === 0 ? name : `${name}${sp}${clauses.join(', ')}`;
              return `${blank ? eol : ''}${sp}${line}${comment ? `${sp}# note` : ''}`;
            })
            .join(eol);
          const parsed = parseGemList(text, FILE);
          expect(parsed.map((r) => r.name)).toEqual(entries.map(([[name]]) => name));
          parsed.forEach((request, i) => {
            const clauses = entries[i]?.[0][1] ?? [];
            const expected = clauses.length === 0 ? '>= 0' : formatRequirement(parseRequirement(clauses.join(', ')));
            expect(formatRequirement(request.requirement)).toBe(expected);
            expect(text.split('\n')[Number(request.from.split(':').at(-1)) - 1]).toContain(request.name);
          });
        },
      ),
    );
  });
});
