import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import {
  appendBootCodes,
  bootCodesProblem,
  checkBootCodes,
  kernelCommandLine,
  MAX_BOOT_CODES_BYTES,
} from '../../src/iso/cmdline.js';
import { shortenBootTimeout } from '../../src/iso/isolinux.js';
import { isolinuxCfg } from '../world/core-iso.js';

const CORE_CFG = isolinuxCfg('x86');

describe('kernelCommandLine', () => {
  it("takes the Core's default label's append, without initrd=", () => {
    expect(kernelCommandLine(CORE_CFG, undefined)).toBe('loglevel=3');
    expect(kernelCommandLine(isolinuxCfg('x86_64'), 'console=ttyS0 tce=sda1')).toBe(
      'loglevel=3 console=ttyS0 tce=sda1',
    );
  });

  it('drops initrd= words of the default label, whatever their case', () => {
    const cfg = 'DEFAULT mc\nLABEL mc\n  KERNEL /boot/vmlinuz\n  APPEND INITRD=/boot/core.gz,/boot/x.gz quiet\n';
    expect(kernelCommandLine(cfg, undefined)).toBe('quiet');
  });

  it('without default: the label marked menu default, else the first', () => {
    expect(kernelCommandLine('label a\nappend a=1\nlabel b\nmenu default\nappend b=1\n', undefined)).toBe('b=1');
    expect(kernelCommandLine('label a\nappend a=1\nlabel b\nappend b=1\n', undefined)).toBe('a=1');
  });

  it("uses the global append for a label without one, and none for 'append -'", () => {
    const cfg = 'append g=1\ndefault b\nlabel a\nappend a=1\nlabel b\nkernel /k\nlabel c\nappend -\n';
    expect(kernelCommandLine(cfg, undefined)).toBe('g=1');
    expect(kernelCommandLine(cfg.replace('default b', 'default c'), 'x')).toBe('x');
  });

  it('reads a default that names no label as a command line after the global append', () => {
    expect(kernelCommandLine('append g=1\ndefault /boot/vmlinuz quiet\n', undefined)).toBe('g=1 quiet');
  });

  it('refuses a file with neither default nor label', () => {
    expect(() => kernelCommandLine('prompt 1\n', undefined)).toThrow('no default entry and no label');
  });

  const word = fc.stringMatching(/^[a-z0-9_.,/=-]{1,12}$/).filter((w) => !/^initrd=/i.test(w) && w !== '-');
  const name = fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/);
  const caseOf = (keyword: string, upper: readonly boolean[]) =>
    [...keyword].map((c, i) => (upper[i % upper.length] ? c.toUpperCase() : c)).join('');
  const cfgArb = fc
    .record({
      labels: fc.uniqueArray(fc.record({ name, words: fc.array(word, { maxLength: 5 }), initrd: fc.boolean() }), {
        minLength: 1,
        maxLength: 5,
        selector: (l) => l.name,
      }),
      pick: fc.nat(),
      eol: fc.constantFrom('\n', '\r\n'),
      indent: fc.constantFrom('', '\t', '  '),
      upper: fc.array(fc.boolean(), { minLength: 1, maxLength: 7 }),
    })
    .map(({ labels, pick, eol, indent, upper }) => {
      const chosen = labels[pick % labels.length];
      const lines = ['display boot.msg', `${caseOf('default', upper)} ${chosen?.name}`];
      for (const label of labels) {
        lines.push(`${caseOf('label', upper)} ${label.name}`, `${indent}${caseOf('kernel', upper)} /boot/vmlinuz`);
        const initrd = label.initrd ? ['initrd=/boot/core.gz'] : [];
        lines.push(`${indent}${caseOf('append', upper)} ${[...initrd, ...label.words].join(' ')}`.trimEnd());
      }
      return { cfg: `${lines.join(eol)}${eol}`, expected: chosen?.words ?? [] };
    });
  const codesArb = fc.array(word, { maxLength: 4 }).map((words) => words.join(' '));

  it("is the default label's words but initrd=, then the codes: any keyword case, CRLF, several labels", () => {
    fc.assert(
      fc.property(cfgArb, codesArb, ({ cfg, expected }, codes) => {
        const want = [...expected, ...(codes === '' ? [] : codes.split(' '))].join(' ');
        expect(kernelCommandLine(cfg, codes)).toBe(want);
      }),
    );
  });

  it('boots with the same command line as the edited isolinux.cfg would', () => {
    fc.assert(
      fc.property(cfgArb, codesArb, ({ cfg }, codes) => {
        expect(kernelCommandLine(appendBootCodes(cfg, codes), undefined)).toBe(kernelCommandLine(cfg, codes));
      }),
    );
  });
});

describe('appendBootCodes', () => {
  it("adds the codes to every append line of Core's isolinux.cfg, after the timeout edit", () => {
    const text = appendBootCodes(shortenBootTimeout(CORE_CFG).text, 'tce=sda1  waitusb=5');
    expect(text).toBe(
      CORE_CFG.replace('timeout 300', 'timeout 100')
        .replace('\tappend loglevel=3\n', '\tappend loglevel=3 tce=sda1 waitusb=5\n')
        .replace(
          '\tappend initrd=/boot/core.gz loglevel=3',
          '\tappend initrd=/boot/core.gz loglevel=3 tce=sda1 waitusb=5',
        ),
    );
  });

  it("keeps CRLF and the keyword's case; 'append -' and a bare append get the codes alone", () => {
    expect(appendBootCodes('  APPEND quiet \r\nappend -\r\nappend\r\nappendix x\r\n', 'a=1')).toBe(
      '  APPEND quiet a=1 \r\nappend a=1\r\nappend a=1\r\nappendix x\r\n',
    );
  });

  it('changes nothing without codes', () => {
    expect(appendBootCodes(CORE_CFG, undefined)).toBe(CORE_CFG);
    expect(appendBootCodes(CORE_CFG, '   ')).toBe(CORE_CFG);
  });

  it('changes only append lines, each by the codes at its end', () => {
    const line = fc.stringMatching(/^[ \t]*[A-Za-z]{0,8}([ \t][ -~]{0,20})?$/);
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 8 }), fc.constantFrom('\n', '\r\n'), (lines, eol) => {
        const cfg = lines.join(eol);
        const out = appendBootCodes(cfg, 'mk=1').split(eol);
        expect(out).toHaveLength(lines.length);
        lines.forEach((before, i) => {
          const after = out[i] ?? '';
          if (/^[ \t]*append([ \t]|$)/i.test(before)) expect(after.trimEnd().endsWith(' mk=1')).toBe(true);
          else expect(after).toBe(before);
        });
      }),
    );
  });
});

describe('boot codes', () => {
  it('accepts printable ASCII and normalises the spaces between words', () => {
    expect(checkBootCodes(' tce=sda1   quiet ')).toBe('tce=sda1 quiet');
    fc.assert(
      fc.property(fc.stringMatching(/^[ -~]{0,200}$/), (codes) => {
        expect(bootCodesProblem(codes)).toBeUndefined();
      }),
    );
  });

  it.each([
    ['a\nb', 'a line break (U+000A at character 2)'],
    ['a\r', 'a line break (U+000D at character 2)'],
    ['a\tb', 'a character other than printable ASCII (U+0009 at character 2)'],
    ['caf\u00e9', 'a character other than printable ASCII (U+00E9 at character 4)'],
  ])('refuses %j in one line: %s', (codes, what) => {
    expect(() => checkBootCodes(codes)).toThrow(UsageError);
    const problem = bootCodesProblem(codes) ?? '';
    expect(problem).toContain(what);
    expect(problem).not.toMatch(/[\n\r\t]/);
  });

  it('refuses more than the limit', () => {
    expect(bootCodesProblem('a'.repeat(MAX_BOOT_CODES_BYTES))).toBeUndefined();
    expect(bootCodesProblem('a'.repeat(MAX_BOOT_CODES_BYTES + 1))).toBe(
      '--boot-codes is too long: 1025 bytes (at most 1024)',
    );
  });

  it('names the character of any non-printable or non-ASCII text, in one escaped line', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }), (codes) => {
        fc.pre(/[^ -~]/.test(codes));
        const problem = bootCodesProblem(codes) ?? '';
        expect(problem).toMatch(/contains a/);
        expect(problem).not.toMatch(/[\p{C}\p{Zl}\p{Zp}]/u);
      }),
    );
  });
});
