import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { type ListEntry, parseExtensionList } from '../../src/tce/list.js';

const namesOf = (entries: readonly ListEntry[]) => entries.map((e) => e.name);

const stem = fc.stringMatching(/^[a-z0-9][a-z0-9_+-]{0,8}(\.[0-9]{1,2}){0,2}$/);
const names = fc.uniqueArray(
  stem.map((s) => `${s}.tcz`),
  { maxLength: 12 },
);

/** Renders names as a list file with noise that must not change the result. */
const noisyList = (list: readonly string[]) =>
  fc
    .record({
      eol: fc.constantFrom('\n', '\r\n'),
      pad: fc.array(fc.constantFrom('', ' ', '\t', '  '), { minLength: list.length, maxLength: list.length }),
      noise: fc.array(fc.constantFrom('', '   ', '# comment', '#bash.tcz', '\t# indented comment'), {
        minLength: list.length + 1,
        maxLength: list.length + 1,
      }),
      dupes: fc.array(fc.nat(Math.max(list.length - 1, 0)), { maxLength: 4 }),
      bare: fc.array(fc.boolean(), { minLength: list.length, maxLength: list.length }),
    })
    .map(({ eol, pad, noise, dupes, bare }) => {
      const lines: string[] = [];
      list.forEach((name, i) => {
        lines.push(noise[i] ?? '');
        const written = bare[i] ? name.slice(0, -4) : name;
        lines.push(`${pad[i]}${written}${pad[i]}`);
      });
      lines.push(noise[list.length] ?? '');
      // Repeat some names after their first position.
      for (const d of dupes) if (list[d] !== undefined) lines.push(list[d]);
      return lines.join(eol);
    });

describe('parseExtensionList', () => {
  it('reads the seed shape', () => {
    const text = '# builtin extensions\nbash.tcz\r\ndmidecode.tcz\n\n  ruby.tcz  \nbash.tcz\nperl5\n';
    expect(namesOf(parseExtensionList(text, 'b.lst'))).toEqual(['bash.tcz', 'dmidecode.tcz', 'ruby.tcz', 'perl5.tcz']);
  });

  it('keeps order and is unaffected by blank, comment, CRLF, padding, bare-name and duplicate noise', () => {
    fc.assert(
      fc.property(
        names.chain((list) => fc.tuple(fc.constant(list), noisyList(list))),
        ([list, text]) => {
          expect(namesOf(parseExtensionList(text, 'x.lst'))).toEqual(list);
        },
      ),
    );
  });

  it('is idempotent: parsing its own output gives the same list', () => {
    fc.assert(
      fc.property(names, (list) => {
        const once = namesOf(parseExtensionList(list.join('\n'), 'a'));
        expect(namesOf(parseExtensionList(once.join('\n'), 'b'))).toEqual(once);
      }),
    );
  });

  it.each([
    ['foo bar.tcz', 'contains whitespace'],
    ['../etc/passwd.tcz', "contains '/'"],
    ['sub/dir.tcz', "contains '/'"],
    ['foo..tcz', "contains '..'"],
    ['-rf.tcz', 'unexpected characters'],
    ['foo$.tcz', 'unexpected characters'],
  ])('rejects %j with file and line', (bad, why) => {
    const text = `bash.tcz\n\n${bad}\n`;
    expect(() => parseExtensionList(text, 'lists/builtin.lst')).toThrow(InputError);
    expect(() => parseExtensionList(text, 'lists/builtin.lst')).toThrow(`lists/builtin.lst:3: bad extension name`);
    expect(() => parseExtensionList(text, 'lists/builtin.lst')).toThrow(why);
  });

  it('reads NAME.deb as a Debian package that becomes NAME.tcz, in list order', () => {
    expect(parseExtensionList('ruby.tcz\nlshw.deb\r\nlibc6.deb\nperl5\n', '2013.lst')).toEqual([
      { kind: 'tcz', name: 'ruby.tcz' },
      { kind: 'deb', package: 'lshw', name: 'lshw.tcz' },
      { kind: 'deb', package: 'libc6', name: 'libc6.tcz' },
      { kind: 'tcz', name: 'perl5.tcz' },
    ]);
  });

  it.each([['Lshw.deb'], ['x.deb'], ['../lshw.deb'], ['.deb'], ['l_shw.deb']])('rejects the package name %j', (bad) => {
    expect(() => parseExtensionList(`${bad}\n`, 'l.lst')).toThrow('l.lst:1: bad extension name');
  });

  it('a .deb and a .tcz of the same name clash, naming the line', () => {
    expect(() => parseExtensionList('lshw.tcz\nlshw.deb\n', 'l.lst')).toThrow(
      "l.lst:2: 'lshw.deb' and an earlier line both make lshw.tcz",
    );
  });

  it('an empty or comment-only file is an empty list', () => {
    expect(parseExtensionList('', 'e')).toEqual([]);
    expect(parseExtensionList('# nothing\n\n', 'e')).toEqual([]);
  });
});
