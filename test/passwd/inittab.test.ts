import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { AUTOLOGIN_TTY1, enableAutologin, isTty1Getty } from '../../src/passwd/inittab.js';
import { joinWith, lineEnding } from './arbitraries.js';

const FILE = 'etc/inittab';
const inittab = (tty1: string) =>
  [
    '# /etc/inittab: init configuration for busybox init.',
    '::sysinit:/etc/init.d/rcS',
    '',
    '# /sbin/getty respawn shell invocations for selected ttys.',
    tty1,
    'tty2::askfirst:/sbin/getty 38400 tty2',
    '',
    '::restart:/etc/init.d/rc.shutdown',
    '::ctrlaltdel:/sbin/reboot',
    '::shutdown:/etc/init.d/rc.shutdown',
    '',
  ].join('\n');

describe('enableAutologin', () => {
  it('turns the plain tty1 getty into the autologin one', () => {
    expect(enableAutologin(inittab('tty1::respawn:/sbin/getty 38400 tty1'), FILE)).toBe(inittab(AUTOLOGIN_TTY1));
  });

  it.each([
    'tty1::respawn:/sbin/getty  38400\ttty1',
    'tty1::respawn: /sbin/getty 38400 tty1 ',
    ' tty1 ::respawn:/sbin/getty 38400 tty1',
    'tty1::askfirst:/sbin/getty 38400 tty1',
    'tty1::respawn:/sbin/getty   -nl  /sbin/autologin 38400 tty1',
  ])('normalises %j', (line) => {
    expect(enableAutologin(inittab(line), FILE)).toBe(inittab(AUTOLOGIN_TTY1));
  });

  it('leaves an already-enabled file unchanged', () => {
    expect(enableAutologin(inittab(AUTOLOGIN_TTY1), FILE)).toBe(inittab(AUTOLOGIN_TTY1));
  });

  it('keeps line endings and a missing trailing newline', () => {
    expect(enableAutologin('::sysinit:/etc/init.d/rcS\r\ntty1::respawn:/sbin/getty 38400 tty1', FILE)).toBe(
      `::sysinit:/etc/init.d/rcS\r\n${AUTOLOGIN_TTY1}`,
    );
    expect(enableAutologin('tty1::respawn:/sbin/getty 38400 tty1\r\n', FILE)).toBe(`${AUTOLOGIN_TTY1}\r\n`);
  });

  it('names the file when there is no tty1 getty entry', () => {
    const error = new InputError(`${FILE}: no tty1 getty entry to enable autologin on`);
    expect(() => enableAutologin(inittab('#tty1::respawn:/sbin/getty 38400 tty1'), FILE)).toThrow(error);
    expect(() => enableAutologin(inittab('tty1::respawn:/bin/sh'), FILE)).toThrow(error);
    expect(() => enableAutologin('', FILE)).toThrow(error);
  });

  it('refuses two tty1 getty entries', () => {
    const text = inittab('tty1::respawn:/sbin/getty 38400 tty1\ntty1::askfirst:/sbin/getty 38400 tty1');
    expect(() => enableAutologin(text, FILE)).toThrow(new InputError(`${FILE}: 2 tty1 getty entries; expected one`));
  });

  const blanks = (minLength: number) =>
    fc.array(fc.constantFrom(' ', '\t'), { minLength, maxLength: 3 }).map((chars) => chars.join(''));
  const tty1Getty = fc
    .tuple(blanks(0), blanks(0), fc.constantFrom('respawn', 'askfirst'), blanks(0), fc.boolean(), blanks(1), blanks(1))
    .map(
      ([lead, afterId, action, afterAction, autologin, sep1, sep2]) =>
        `${lead}tty1${afterId}::${action}:${afterAction}/sbin/getty${sep1}${autologin ? `-nl${sep2}/sbin/autologin${sep1}` : ''}38400${sep2}tty1${lead}`,
    );
  const otherLine = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }).filter((line) => !line.includes('\n') && !line.includes('tty1')),
    fc.constantFrom('tty2::askfirst:/sbin/getty 38400 tty2', '#tty1::respawn:/sbin/getty 38400 tty1', ''),
  );

  it('rewrites exactly the tty1 getty line and is idempotent (property)', () => {
    fc.assert(
      fc.property(
        fc.array(otherLine, { maxLength: 8 }),
        fc.nat(),
        tty1Getty,
        fc.array(lineEnding, { minLength: 1 }),
        fc.constantFrom('', '\n', '\r\n'),
        (others, at, getty, eols, finalEol) => {
          const withTty1 = (line: string) => {
            const lines = [...others];
            lines.splice(at % (others.length + 1), 0, line);
            return joinWith(lines, eols, finalEol);
          };
          const once = enableAutologin(withTty1(getty), FILE);
          expect(once).toBe(withTty1(AUTOLOGIN_TTY1));
          expect(enableAutologin(once, FILE)).toBe(once);
        },
      ),
    );
  });
});

describe('isTty1Getty', () => {
  it.each([
    ['tty1::respawn:/sbin/getty 38400 tty1', true],
    [AUTOLOGIN_TTY1, true],
    ['tty2::respawn:/sbin/getty 38400 tty2', false],
    ['#tty1::respawn:/sbin/getty 38400 tty1', false],
    ['tty1::respawn:/bin/getty-wrapper 38400 tty1', false],
    ['tty1:/sbin/getty 38400 tty1', false],
  ])('%j → %s', (line, expected) => {
    expect(isTty1Getty(line)).toBe(expected);
  });
});
