import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IntegrityError } from '../../src/errors.js';
import { formatMd5Txt, md5Hex, parseMd5Txt } from '../../src/tce/md5.js';

const SUM = 'd41d8cd98f00b204e9800998ecf8427e';

describe('parseMd5Txt', () => {
  it.each([
    [`${SUM}  ruby.tcz\n`],
    [`${SUM} ruby.tcz`],
    [`${SUM} *ruby.tcz\r\n`],
    [`${SUM.toUpperCase()}  ruby.tcz\n`],
    [`${SUM}  /tmp/build/ruby.tcz\n`],
    [`\n${SUM}\truby.tcz\n\n`],
  ])('reads %j', (text) => {
    expect(parseMd5Txt(text, 'ruby.tcz', 'u')).toBe(SUM);
  });

  it('round-trips md5sum output for any content and any tolerated spelling', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 256 }),
        fc.constantFrom('  ', ' ', ' *', '\t'),
        fc.constantFrom('\n', '\r\n', ''),
        fc.boolean(),
        (bytes, sep, eol, upper) => {
          const sum = md5Hex(Buffer.from(bytes));
          const text = `${upper ? sum.toUpperCase() : sum}${sep}x-1.2.tcz${eol}`;
          expect(parseMd5Txt(text, 'x-1.2.tcz', 'u')).toBe(sum);
        },
      ),
    );
  });

  it.each([
    ['', 'empty checksum file'],
    ['   \r\n', 'empty checksum file'],
    [`${SUM}  perl5.tcz\n`, 'no checksum for ruby.tcz'],
    [`${SUM}  notruby.tcz\n`, 'no checksum for ruby.tcz'],
    [`${SUM.slice(1)}  ruby.tcz\n`, 'not an md5sum line'],
    ['<html>404</html>', 'not an md5sum line'],
  ])('rejects %j', (text, why) => {
    expect(() => parseMd5Txt(text, 'ruby.tcz', 'http://m/ruby.tcz.md5.txt')).toThrow(IntegrityError);
    expect(() => parseMd5Txt(text, 'ruby.tcz', 'http://m/ruby.tcz.md5.txt')).toThrow(
      `http://m/ruby.tcz.md5.txt: ${why}`,
    );
  });
});

describe('formatMd5Txt', () => {
  it('writes what parseMd5Txt reads back, for any content and extension name (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 256 }),
        fc.stringMatching(/^[a-z0-9][a-z0-9._+-]{0,20}$/),
        (bytes, name) => {
          const sum = md5Hex(Buffer.from(bytes));
          const text = formatMd5Txt(`${name}.tcz`, sum);
          expect(text).toBe(`${sum}  ${name}.tcz\n`);
          expect(parseMd5Txt(text, `${name}.tcz`, 'u')).toBe(sum);
        },
      ),
    );
  });

  it('refuses a digest or a name that would not make the line', () => {
    expect(() => formatMd5Txt('a.tcz', SUM.toUpperCase())).toThrow(TypeError);
    expect(() => formatMd5Txt('a b.tcz', SUM)).toThrow(TypeError);
    expect(() => formatMd5Txt('x/a.tcz', SUM)).toThrow(TypeError);
  });
});
