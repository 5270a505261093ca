import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  normaliseHardlinkTarget,
  normaliseMemberName,
  ROOT_PATH,
  symlinkEscapes,
} from '../../src/archive/safe-path.js';
import { ArchiveError } from '../../src/errors.js';

const archive = 'mcollective-2.0.0.tgz';

describe('normaliseMemberName', () => {
  it.each([
    ['bin/busybox', 'bin/busybox'],
    ['./bin/busybox', 'bin/busybox'],
    ['usr/local/', 'usr/local'],
    ['./etc/init.d/', 'etc/init.d'],
    ['.', ROOT_PATH],
    ['./', ROOT_PATH],
    ['..foo/bar..', '..foo/bar..'],
  ])('%s → %s', (name, expected) => {
    expect(normaliseMemberName(archive, name)).toBe(expected);
  });

  it('names the archive and the entry when a name escapes', () => {
    expect(() => normaliseMemberName(archive, '../etc/passwd')).toThrow(
      new ArchiveError("mcollective-2.0.0.tgz: '../etc/passwd': entry escapes the destination"),
    );
  });

  it.each([
    ['/etc/passwd', 'entry escapes the destination'],
    ['a/../../x', 'entry escapes the destination'],
    ['a/..', 'entry escapes the destination'],
    ['./../x', 'entry escapes the destination'],
    ['', 'empty name'],
    ['a\0b', 'name contains NUL'],
    ['a//b', 'name is not normalised'],
    ['a/./b', 'name is not normalised'],
    ['././x', 'name is not normalised'],
  ])('refuses %j (%s)', (name, problem) => {
    expect(() => normaliseMemberName(archive, name)).toThrow(ArchiveError);
    expect(() => normaliseMemberName(archive, name)).toThrow(problem);
  });

  it('quotes the name in messages, control characters escaped', () => {
    expect(() => normaliseMemberName(archive, 'a\0b')).toThrow("'a\\u{0}b': name contains NUL");
  });

  it('returns only safe, idempotent paths (property)', () => {
    const name = fc.array(fc.constantFrom('a', 'b', '.', '..', '', '/', 'x/y', './', '\0'), { maxLength: 8 });
    fc.assert(
      fc.property(name, (parts) => {
        const raw = parts.join('/');
        let normal: string;
        try {
          normal = normaliseMemberName(archive, raw);
        } catch (error) {
          expect(error).toBeInstanceOf(ArchiveError);
          return;
        }
        expect(normal.startsWith('/')).toBe(false);
        if (normal !== ROOT_PATH) {
          expect(normal.split('/').every((s) => s !== '' && s !== '.' && s !== '..')).toBe(true);
        }
        expect(normaliseMemberName(archive, normal)).toBe(normal);
      }),
    );
  });
});

describe('normaliseHardlinkTarget', () => {
  it('accepts in-archive paths', () => {
    expect(normaliseHardlinkTarget(archive, 'b', './usr/bin/a')).toBe('usr/bin/a');
  });

  it.each(['/etc/passwd', '../outside', 'a/../../x', '.', ''])('refuses %j', (target) => {
    expect(() => normaliseHardlinkTarget(archive, 'link', target)).toThrow(ArchiveError);
  });

  it('names the link in the message', () => {
    expect(() => normaliseHardlinkTarget(archive, 'link', '/etc/passwd')).toThrow(
      "mcollective-2.0.0.tgz: 'link': hard link target '/etc/passwd' escapes the destination",
    );
  });
});

describe('symlinkEscapes', () => {
  it.each([
    ['bin/sh', 'busybox', false],
    ['bin/sh', '/bin/busybox', true],
    ['lib/modules/6.6.8-tinycore/kernel.tclocal', '../../../usr/local/lib/modules/6.6.8-tinycore/kernel', false],
    ['lib/modules/6.6.8-tinycore/kernel.tclocal', '../../../../usr/local', true],
    ['a/b', '../../x', true],
    ['x', '..', true],
    ['x', '.', false],
    ['a/b', 'c/../../x', false],
    ['a/b', '../c/../../x', true],
    ['a/b', './/c', false],
  ])('%s -> %s escapes: %s', (link, target, escapes) => {
    expect(symlinkEscapes(link, target)).toBe(escapes);
  });
});
