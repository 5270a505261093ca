import { describe, expect, it } from 'vitest';
import { InputError, UsageError } from '../../src/errors.js';
import { checkVersion, chooseVersion, isoFileName, versionProblem, volumeId } from '../../src/iso/version.js';

describe('VERSION', () => {
  it.each([
    '0.12.0',
    '1.0: x',
    'v2.3.4-5-gdeadbee',
    '1.2.3+4-gabcdef-dirty',
    'abcdef0+dirty',
    "it's 1.0 #1",
    'é-1',
    '🚀',
    'a'.repeat(64),
    '..',
  ])('accepts %j', (version) => {
    expect(versionProblem(version)).toBeUndefined();
    expect(checkVersion(version)).toBe(version);
  });

  it.each([
    ['', 'VERSION is empty'],
    ['a'.repeat(65), 'VERSION is too long: 65 bytes (at most 64, UTF-8)'],
    ['é'.repeat(33), 'VERSION is too long: 66 bytes (at most 64, UTF-8)'],
    ['1.0\n', 'VERSION contains a control character (U+000A at character 4)'],
    ['1\t0', 'VERSION contains a control character (U+0009 at character 2)'],
    ['1.0\u0000', 'VERSION contains a control character (U+0000 at character 4)'],
    ['1\u007f', 'VERSION contains a control character (U+007F at character 2)'],
    ['é\u0085', 'VERSION contains a control character (U+0085 at character 2)'],
    ['1\u20280', 'VERSION contains a control character (U+2028 at character 2)'],
    ['1\u202e0', 'VERSION contains a control character (U+202E at character 2)'],
    ['1\ud800', 'VERSION contains a lone surrogate (U+D800 at character 2)'],
    ['1.0/2', "VERSION '1.0/2' contains '/' (it becomes part of the ISO's file name)"],
    ['-1.0', "VERSION '-1.0' starts with '-' (it would read as an option)"],
    [' 1.0', "VERSION ' 1.0' has leading or trailing white space"],
    ['1.0 ', "VERSION '1.0 ' has leading or trailing white space"],
  ])('rejects %j', (version, message) => {
    expect(versionProblem(version)).toBe(message);
    expect(() => checkVersion(version)).toThrow(UsageError);
    expect(() => checkVersion(version)).toThrow(message);
  });
});

describe('volume id', () => {
  it.each([
    ['0.12.0', 'Razor MK 0.12.0'],
    // The first 22 characters of VERSION, like the original: 31 bytes in all.
    ['1234567890123456789012345', 'Razor MK 1234567890123456789012'],
    ['v2.3.4-5-gdeadbeefcafe1234', 'Razor MK v2.3.4-5-gdeadbeefcafe'],
    // Multi-byte characters: whole characters go until it fits xorriso's 32 bytes.
    ['ééééééééééééééééééééééé', 'Razor MK ééééééééééé'],
    ['1.0-🚀🚀🚀🚀🚀🚀', 'Razor MK 1.0-🚀🚀🚀🚀'],
  ])('%j → %j', (version, id) => {
    expect(volumeId(version)).toBe(id);
    expect(Buffer.byteLength(id)).toBeLessThanOrEqual(32);
  });

  it('refuses a bad VERSION', () => {
    expect(() => volumeId('')).toThrow(UsageError);
  });
});

describe('ISO file name', () => {
  it.each([
    ['dev', '0.12.0', 'rz_mk_dev-image.0.12.0.iso'],
    ['prod', '1.0: x', 'rz_mk_prod-image.1.0: x.iso'],
    ['debug', 'é', 'rz_mk_debug-image.é.iso'],
  ] as const)('%s %j → %j', (flavour, version, name) => {
    expect(isoFileName(flavour, version)).toBe(name);
  });

  it('refuses a VERSION with a slash', () => {
    expect(() => isoFileName('dev', '../x')).toThrow(UsageError);
  });
});

describe('chooseVersion', () => {
  it('takes VERSION when given, with a notice when it replaces the recorded one', () => {
    expect(chooseVersion('1.0', undefined, 'b.tar.gz')).toEqual({ version: '1.0' });
    expect(chooseVersion('1.0', '1.0', 'b.tar.gz')).toEqual({ version: '1.0' });
    expect(chooseVersion("1.0'rc", '0.9+3-gabc1234-dirty', 'b.tar.gz')).toEqual({
      version: "1.0'rc",
      notice: "version '1.0\\'rc' replaces '0.9+3-gabc1234-dirty', recorded in b.tar.gz",
    });
  });

  it('takes the recorded version when none is given', () => {
    expect(chooseVersion(undefined, '1.2.3+4-gabcdef-dirty', 'b')).toEqual({ version: '1.2.3+4-gabcdef-dirty' });
  });

  it('checks VERSION given, even when the recorded one is fine', () => {
    expect(() => chooseVersion('a/b', '1.0', 'b')).toThrow(
      new UsageError("VERSION 'a/b' contains '/' (it becomes part of the ISO's file name)"),
    );
  });

  it("without either it is a usage error; a bad recorded one is the bundle's fault", () => {
    expect(() => chooseVersion(undefined, undefined, 'b.tar.gz')).toThrow(
      new UsageError('expected a VERSION: b.tar.gz records none'),
    );
    expect(() => chooseVersion(undefined, 'x'.repeat(65), 'b.tar.gz')).toThrow(
      new InputError('b.tar.gz: recorded VERSION is too long: 65 bytes (at most 64, UTF-8); give a VERSION'),
    );
    expect(() => chooseVersion(undefined, '1\n', 'b')).toThrow(InputError);
    expect(chooseVersion('1.0', '1\n', 'b')).toEqual({
      version: '1.0',
      notice: "version '1.0' replaces '1\\u{a}', recorded in b",
    });
  });
});
