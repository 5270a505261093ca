import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { summariseTree, type TreeInput } from '../../src/inspect/tree.js';

describe('summariseTree', () => {
  it('shows the first levels, each directory with the bytes and entries below it', () => {
    const entries: TreeInput[] = [
      { path: 'etc', kind: 'dir' },
      { path: 'etc/init.d', kind: 'dir' },
      { path: 'etc/init.d/rcS', kind: 'file', size: 100 },
      { path: 'etc/passwd', kind: 'file', size: 20 },
      { path: 'bin/busybox', kind: 'file', size: 5000 },
      { path: 'bin/sh', kind: 'symlink', target: 'busybox' },
      { path: 'dev/null', kind: 'chardev' },
      { path: 'init', kind: 'file', size: 7 },
    ];
    expect(summariseTree(entries, 1)).toEqual([
      { path: 'bin', type: 'dir', size: 5000, entries: 2 },
      { path: 'dev', type: 'dir', size: 0, entries: 1 },
      { path: 'etc', type: 'dir', size: 120, entries: 3 },
      { path: 'init', type: 'file', size: 7 },
    ]);
    expect(summariseTree(entries, 2).map((e) => e.path)).toEqual([
      'bin',
      'bin/busybox',
      'bin/sh',
      'dev',
      'dev/null',
      'etc',
      'etc/init.d',
      'etc/passwd',
      'init',
    ]);
    expect(summariseTree(entries, 2).find((e) => e.path === 'bin/sh')).toEqual({
      path: 'bin/sh',
      type: 'symlink',
      size: 0,
      target: 'busybox',
    });
    expect(summariseTree(entries, 0)).toEqual([]);
  });

  it('cuts nothing off: the top level adds up to every file byte and every entry', () => {
    const segment = fc.constantFrom('a', 'b', 'c', 'lib', 'x.tcz');
    const files = fc
      .uniqueArray(
        fc.record({
          path: fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => s.join('/')),
          size: fc.nat(1000),
        }),
        { selector: (e) => e.path, maxLength: 40 },
      )
      // Files only: no path is another's directory.
      .map((all) => all.filter((f) => !all.some((g) => g.path.startsWith(`${f.path}/`))));
    fc.assert(
      fc.property(files, fc.integer({ min: 1, max: 4 }), (listed, depth) => {
        const top = summariseTree(
          listed.map((f) => ({ path: f.path, kind: 'file', size: f.size })),
          depth,
        ).filter((e) => !e.path.includes('/'));
        expect(top.reduce((sum, e) => sum + e.size, 0)).toBe(listed.reduce((sum, f) => sum + f.size, 0));
        const below = top.reduce((sum, e) => sum + (e.entries ?? 0), 0);
        const atTop = top.filter((e) => e.type === 'file').length;
        expect(below + atTop).toBe(listed.length);
      }),
    );
  });
});
