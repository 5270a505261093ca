import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { formatDepFile, parseDepNames, substituteKernel, substituteKernelNames } from '../../src/tce/deps.js';

const KVER = '3.0.21-tinycore';

describe('substituteKernel', () => {
  it.each([
    ['scsi-KERNEL.tcz', 'scsi-3.0.21-tinycore.tcz'],
    ['alsa-modules-KERNEL.tcz', 'alsa-modules-3.0.21-tinycore.tcz'],
    ['KERNEL.tcz', 'KERNEL.tcz'],
    ['scsi-KERNEL-extra.tcz', 'scsi-KERNEL-extra.tcz'],
    ['ruby.tcz', 'ruby.tcz'],
  ])('%s → %s', (name, out) => {
    expect(substituteKernel(name, KVER)).toBe(out);
  });
});

describe('parseDepNames with KERNEL substituted', () => {
  it('strips blanks, tabs and CR anywhere in a line and skips empty and comment lines', () => {
    const text = 'gcc_libs.tcz\r\n\r\n  scsi-KERNEL.tcz \t\r\n# a comment\nopen ssl-1.0.0.tcz\n\t\nncurses\n';
    expect(substituteKernelNames(parseDepNames(text, 'lshw.tcz.dep'), KVER)).toEqual([
      'gcc_libs.tcz',
      'scsi-3.0.21-tinycore.tcz',
      'openssl-1.0.0.tcz',
      'ncurses.tcz',
    ]);
  });

  it('keeps each dep once', () => {
    expect(substituteKernelNames(parseDepNames('a.tcz\nb.tcz\na.tcz\n', 'x'), KVER)).toEqual(['a.tcz', 'b.tcz']);
  });

  it('an empty file means no deps', () => {
    expect(substituteKernelNames(parseDepNames('', 'x'), KVER)).toEqual([]);
    expect(substituteKernelNames(parseDepNames('\n \r\n\t', 'x'), KVER)).toEqual([]);
  });

  it('rejects names that could escape, naming source and line', () => {
    expect(() => parseDepNames('a.tcz\n../../etc/shadow.tcz\n', 'evil.tcz.dep')).toThrow(InputError);
    expect(() => parseDepNames('a.tcz\n../../etc/shadow.tcz\n', 'evil.tcz.dep')).toThrow('evil.tcz.dep:2:');
  });

  it('any whitespace/CR noise around valid names parses to the names', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9_-]{0,6}\.tcz$/);
    const blank = fc.stringMatching(/^[ \t]{0,3}$/);
    fc.assert(
      fc.property(fc.uniqueArray(name, { maxLength: 8 }), blank, fc.constantFrom('\n', '\r\n'), (names, pad, eol) => {
        const text = names.map((n) => `${pad}${n.slice(0, 2)}${pad}${n.slice(2)}${pad}`).join(`${eol}${eol}`);
        expect(substituteKernelNames(parseDepNames(text, 'x'), KVER)).toEqual(names);
      }),
    );
  });
});

describe('formatDepFile', () => {
  it('writes what tce-load reads: one NAME.tcz per LF line, -KERNEL left for tce-load', () => {
    const names = parseDepNames('gcc_libs.tcz\r\n# comment\r\n  scsi-KERNEL.tcz \t\r\nncurses\n', 'x');
    expect(formatDepFile(names)).toBe('gcc_libs.tcz\nscsi-KERNEL.tcz\nncurses.tcz\n');
  });

  it('tce-load word-splitting the written file gives exactly the parsed names (property)', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9_-]{0,6}(\.tcz)?$/);
    const pad = fc.constantFrom('', ' ', '\t');
    const line = fc.oneof(
      fc.tuple(pad, name, fc.constantFrom('', ' ', '\t', '\r')).map(([b, n, a]) => `${b}${n}${a}`),
      fc.constantFrom('# a comment', '', '\r'),
    );
    fc.assert(
      fc.property(fc.array(line), (lines) => {
        const text = lines.join('\n');
        const written = formatDepFile(parseDepNames(text, 'x'));
        const words = written.split(/[ \t\n]+/).filter((w) => w !== '');
        expect(words).toEqual(substituteKernelNames(parseDepNames(text, 'x'), KVER));
        expect(written).not.toMatch(/[\r#]/);
        for (const word of words) expect(word.endsWith('.tcz')).toBe(true);
      }),
    );
  });
});
