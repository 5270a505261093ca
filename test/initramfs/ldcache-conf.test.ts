import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { glob, libraryDirs } from '../../src/initramfs/ld-dirs.js';
import { parseLdSoConf } from '../../src/initramfs/ld-so-conf.js';
import { canonical, follow } from '../../src/initramfs/ld-tree.js';
import { FLAG_ELF_LIBC5, FLAG_ELF_LIBC6 } from '../../src/initramfs/ldlib.js';
import { memoryTree } from './ldcache-helpers.js';

describe('parseLdSoConf', () => {
  it('reads directories, types, includes and comments the way ldconfig does', () => {
    const text = [
      '# Tiny Core',
      '/usr/local/lib',
      '  /opt/lib//  # trailing slashes and blanks go',
      '/opt/old=libc5',
      '/opt/odd=unknown',
      'include /etc/ld.so.conf.d/*.conf\tmore.conf',
      'hwcap 1 nosegneg',
      'HWCAP 0 x',
      '/usr/X11/lib\r',
      '',
      '   ',
      '/',
      'include',
    ].join('\n');
    expect(parseLdSoConf(text)).toEqual([
      { kind: 'dir', path: '/usr/local/lib', libType: undefined },
      { kind: 'dir', path: '/opt/lib', libType: undefined },
      { kind: 'dir', path: '/opt/old', libType: FLAG_ELF_LIBC5 },
      { kind: 'dir', path: '/opt/odd', libType: undefined },
      { kind: 'include', patterns: ['/etc/ld.so.conf.d/*.conf', 'more.conf'] },
      { kind: 'dir', path: '/usr/X11/lib', libType: undefined },
      { kind: 'dir', path: 'include', libType: undefined },
    ]);
  });
});

describe('canonical', () => {
  const tree = memoryTree(
    { '/lib/libc.so.6': 'x', '/usr/lib/file': 'x' },
    {
      '/lib64': 'lib',
      '/usr/lib/abs': '/lib/libc.so.6',
      '/usr/lib/up': '../../../../lib',
      '/loop/a': 'b',
      '/loop/b': 'a',
      '/dangling': 'nowhere',
    },
  );

  it('follows links inside the root, never above it', async () => {
    expect(await canonical(tree, '/lib64/libc.so.6')).toBe('/lib/libc.so.6');
    expect(await canonical(tree, '/usr/lib/abs')).toBe('/lib/libc.so.6');
    expect(await canonical(tree, '/usr/lib/up/libc.so.6')).toBe('/lib/libc.so.6');
    expect(await canonical(tree, '/../../lib/./libc.so.6')).toBe('/lib/libc.so.6');
  });

  it('allows a missing last component, not a missing middle one, nor a loop', async () => {
    expect(await canonical(tree, '/dangling')).toBe('/nowhere');
    expect(await follow(tree, '/dangling')).toBeUndefined();
    expect(await canonical(tree, '/missing/libc.so.6')).toBeUndefined();
    expect(await canonical(tree, '/usr/lib/file/x')).toBe('/usr/lib/file/x');
    expect(await follow(tree, '/usr/lib/file/x')).toBeUndefined();
    expect(await canonical(tree, '/loop/a')).toBeUndefined();
  });
});

describe('libraryDirs', () => {
  it('lists ld.so.conf directories, then includes in glob order, then the trusted ones, each once', async () => {
    const tree = memoryTree(
      {
        '/etc/ld.so.conf': '/usr/local/lib\ninclude /etc/ld.so.conf.d/*.conf\n/usr/local/lib/\n/opt/lib=libc6\n',
        '/etc/ld.so.conf.d/b.conf': '/opt/b\n',
        '/etc/ld.so.conf.d/a.conf': '/opt/a\ninclude ../extra.conf\n',
        '/etc/ld.so.conf.d/.hidden.conf': '/opt/hidden\n',
        '/etc/ld.so.conf.d/c.txt': '/opt/c\n',
        '/etc/extra.conf': '/lib\n',
        '/usr/local/lib/.keep': '',
        '/usr/lib/.keep': '',
        '/lib/.keep': '',
        '/opt/a/.keep': '',
        '/opt/b/.keep': '',
        '/opt/c/.keep': '',
        '/opt/hidden/.keep': '',
        '/opt/real/.keep': '',
      },
      { '/opt/lib': 'real' },
    );
    const dirs = await libraryDirs(tree, '/etc/ld.so.conf', ['/lib', '/usr/lib', '/missing']);
    expect(dirs).toEqual([
      { path: '/usr/local/lib', canonical: '/usr/local/lib', libType: undefined },
      { path: '/opt/a', canonical: '/opt/a', libType: undefined },
      { path: '/lib', canonical: '/lib', libType: undefined },
      { path: '/opt/b', canonical: '/opt/b', libType: undefined },
      { path: '/opt/lib', canonical: '/opt/real', libType: FLAG_ELF_LIBC6 },
      { path: '/usr/lib', canonical: '/usr/lib', libType: undefined },
    ]);
  });

  it('stops an include loop with a clear error', async () => {
    const tree = memoryTree({ '/etc/ld.so.conf': 'include /etc/ld.so.conf\n' });
    await expect(libraryDirs(tree, '/etc/ld.so.conf', [])).rejects.toThrow(InputError);
  });

  it('works without an ld.so.conf', async () => {
    const tree = memoryTree({ '/lib/libc.so.6': '' });
    expect(await libraryDirs(tree, '/etc/ld.so.conf', ['/lib', '/usr/lib'])).toEqual([
      { path: '/lib', canonical: '/lib', libType: undefined },
    ]);
  });
});

describe('glob', () => {
  const tree = memoryTree({ '/d/a1.conf': '', '/d/b2.conf': '', '/d/c.conf': '', '/d/.h.conf': '', '/e/x.conf': '' });

  it('matches *, ? and brackets per component, in byte order', async () => {
    expect(await glob(tree, '/d/*.conf')).toEqual(['/d/a1.conf', '/d/b2.conf', '/d/c.conf']);
    expect(await glob(tree, '/d/??.conf')).toEqual(['/d/a1.conf', '/d/b2.conf']);
    expect(await glob(tree, '/d/[!a]*')).toEqual(['/d/b2.conf', '/d/c.conf']);
    expect(await glob(tree, '/d/[a-b]?.conf')).toEqual(['/d/a1.conf', '/d/b2.conf']);
    expect(await glob(tree, '/*/x.conf')).toEqual(['/e/x.conf']);
    expect(await glob(tree, '/d/.*')).toEqual(['/d/.h.conf']);
    expect(await glob(tree, '/d/c.conf')).toEqual(['/d/c.conf']);
    expect(await glob(tree, '/d/none.conf')).toEqual([]);
  });
});
