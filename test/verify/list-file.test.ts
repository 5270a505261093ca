import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDepFile } from '../../src/tce/deps.js';
import { extensionNameProblem } from '../../src/tce/name.js';
import { readListFile } from '../../src/verify/list-file.js';

const DEP = 'tmp/builtin/optional/lshw.tcz.dep';
/** Any name mkbundle would ship in a `.dep`. */
const name = fc
  .stringMatching(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,20}$/)
  .map((n) => `${n}.tcz`)
  .filter((n) => extensionNameProblem(n) === null);

describe('readListFile', () => {
  it('finds nothing wrong in what mkbundle writes, and reads its names back', () => {
    fc.assert(
      fc.property(fc.uniqueArray(name, { maxLength: 12 }), (names) => {
        expect(readListFile(formatDepFile(names), DEP, { bareNames: false })).toEqual({ names, problems: [] });
      }),
    );
  });

  it('passes blank lines, as every tce-load skips them', () => {
    expect(readListFile('\ngcc_libs.tcz\n  \n\t\nscsi-KERNEL.tcz', DEP, { bareNames: false })).toEqual({
      names: ['gcc_libs.tcz', 'scsi-KERNEL.tcz'],
      problems: [],
    });
  });

  it('says CR line endings once, with the lines, and still means the names', () => {
    expect(readListFile('gcc_libs.tcz\r\nscsi-KERNEL.tcz\r\n', DEP, { bareNames: false })).toEqual({
      names: ['gcc_libs.tcz', 'scsi-KERNEL.tcz'],
      problems: [`'${DEP}' has CR line endings (lines 1, 2): tce-load reads the CR as part of the name`],
    });
  });

  it('says comments, several names on a line and names without .tcz, each once', () => {
    const text = '# needs\ngcc_libs.tcz ruby.tcz\nbash\n#more\nncurses\n';
    expect(readListFile(text, DEP, { bareNames: false })).toEqual({
      names: ['gcc_libs.tcz', 'ruby.tcz', 'bash.tcz', 'ncurses.tcz'],
      problems: [
        `'${DEP}' has comments (lines 1, 4): tce-load reads their words as names`,
        `'${DEP}' has several names on a line (line 2): tce-loads read that differently; one name per line`,
        `'${DEP}' has names without .tcz (lines 3, 5): tce-load looks for a file of that very name`,
      ],
    });
  });

  it('lets onboot.lst name extensions without .tcz, which tce-load adds', () => {
    expect(readListFile('bash\nlshw.tcz\n', 'tmp/builtin/onboot.lst', { bareNames: true })).toEqual({
      names: ['bash.tcz', 'lshw.tcz'],
      problems: [],
    });
  });

  it('names what cannot be an extension, quoted, and leaves it out', () => {
    expect(readListFile('../evil.tcz\nok.tcz\nbell\u0007.tcz\n', DEP, { bareNames: false })).toEqual({
      names: ['ok.tcz'],
      problems: [
        `'${DEP}' names '../evil.tcz' (contains '/')`,
        `'${DEP}' names 'bell\\u{7}.tcz' (unexpected characters)`,
      ],
    });
  });
});
