import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArchiveError } from '../../src/errors.js';
import { kernelVersionFromPaths } from '../../src/tce/kernel-version.js';

const SRC = 'Core-current.iso:boot/core.gz';

describe('kernelVersionFromPaths', () => {
  it('finds the one directory under lib/modules/, whatever the path prefix', () => {
    const paths = [
      '.',
      './bin/busybox',
      './lib',
      './lib/modules',
      './lib/modules/3.0.21-tinycore',
      './lib/modules/3.0.21-tinycore/kernel/fs/squashfs/squashfs.ko.gz',
      'lib/modules/3.0.21-tinycore/modules.dep',
      '/lib/modules/3.0.21-tinycore/kernel.tclocal',
    ];
    expect(kernelVersionFromPaths(paths, SRC)).toBe('3.0.21-tinycore');
  });

  it('ignores look-alikes', () => {
    const paths = ['usr/lib/modules/9.9.9/x', 'lib/modules', 'lib/modulesX/1/y', 'lib/modules/6.6.8-tinycore64/'];
    expect(kernelVersionFromPaths(paths, SRC)).toBe('6.6.8-tinycore64');
  });

  it('names the ISO when there is none', () => {
    expect(() => kernelVersionFromPaths(['bin/busybox', 'lib/modules'], SRC)).toThrow(ArchiveError);
    expect(() => kernelVersionFromPaths([], SRC)).toThrow(`${SRC}: no kernel modules directory`);
  });

  it('names the ISO and the candidates when there are several', () => {
    expect(() => kernelVersionFromPaths(['lib/modules/b/x', 'lib/modules/a'], SRC)).toThrow(
      `${SRC}: several kernel modules directories under lib/modules/: 'a', 'b'`,
    );
  });

  it('refuses a version that is unsafe in names and URLs', () => {
    expect(() => kernelVersionFromPaths(['lib/modules/3.0 x/kernel'], SRC)).toThrow('unusable kernel version');
  });

  it('any ordering and prefixing of the same archive gives the same answer', () => {
    const kver = fc.stringMatching(/^[0-9]\.[0-9]{1,2}\.[0-9]{1,2}-tinycore(64)?$/);
    const other = fc.array(fc.stringMatching(/^(bin|etc|usr\/lib\/modules)\/[a-z]{1,5}$/), { maxLength: 6 });
    const archive = fc
      .tuple(kver, other)
      .chain(([k, rest]) =>
        fc.tuple(fc.constant(k), fc.shuffledSubarray([...rest, `lib/modules/${k}`, `lib/modules/${k}/kernel/x.ko`])),
      );
    fc.assert(
      fc.property(archive, fc.constantFrom('', './', '/'), ([k, paths], prefix) => {
        const all = [...paths, `lib/modules/${k}/modules.dep`].map((p) => `${prefix}${p}`);
        expect(kernelVersionFromPaths(all, SRC)).toBe(k);
      }),
    );
  });
});
