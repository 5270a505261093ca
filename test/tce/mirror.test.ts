import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import {
  bootFiles,
  DEFAULT_MIRROR_BASE,
  extensionUrl,
  extensionUrls,
  parseTcArch,
  parseTcVersion,
  resolveMirror,
} from '../../src/tce/mirror.js';

describe('parseTcVersion', () => {
  it.each([
    ['4', '4.x'],
    ['4.x', '4.x'],
    ['16.x', '16.x'],
    ['16', '16.x'],
  ])('%s → %s', (input, out) => {
    expect(parseTcVersion(input)).toBe(out);
  });

  it.each(['', 'x', '4.1', '4.x.x', '04', '0', '0.x', '100.x', ' 4.x', 'v4'])('rejects %j', (input) => {
    expect(() => parseTcVersion(input)).toThrow(UsageError);
  });

  it('accepts every major version 1..99 in both spellings', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 99 }), (n) => {
        expect(parseTcVersion(String(n))).toBe(`${n}.x`);
        expect(parseTcVersion(`${n}.x`)).toBe(`${n}.x`);
      }),
    );
  });
});

describe('resolveMirror', () => {
  it('defaults to the seed URLs for 4.x x86', () => {
    expect(resolveMirror({ tcVersion: '4.x', arch: 'x86' })).toEqual({
      tcVersion: '4.x',
      arch: 'x86',
      tczUrl: 'http://distro.ibiblio.org/tinycorelinux/4.x/x86/tcz',
      fallbackTczUrls: [],
      isoUrl: 'http://distro.ibiblio.org/tinycorelinux/4.x/x86/release/Core-current.iso',
      boot: { kernel: 'boot/vmlinuz', initrd: 'boot/core.gz' },
    });
    expect(DEFAULT_MIRROR_BASE).toBe('http://distro.ibiblio.org/tinycorelinux');
  });

  it('derives x86_64 URLs and boot files from a base', () => {
    const m = resolveMirror({ tcVersion: '16', arch: 'x86_64', base: 'http://127.0.0.1:8080/tinycorelinux/' });
    expect(m.tczUrl).toBe('http://127.0.0.1:8080/tinycorelinux/16.x/x86_64/tcz');
    expect(m.isoUrl).toBe('http://127.0.0.1:8080/tinycorelinux/16.x/x86_64/release/CorePure64-current.iso');
    expect(m.boot).toEqual({ kernel: 'boot/vmlinuz64', initrd: 'boot/corepure64.gz' });
  });

  it('explicit --mirror and --iso-url win', () => {
    const m = resolveMirror({
      tcVersion: '4.x',
      arch: 'x86',
      mirror: 'https://mirror.example/tc/4.x/x86/tcz/',
      isoUrl: 'https://iso.example/Core.iso',
    });
    expect(m.tczUrl).toBe('https://mirror.example/tc/4.x/x86/tcz');
    expect(m.isoUrl).toBe('https://iso.example/Core.iso');
  });

  it.each([
    [{ tcVersion: '4.y', arch: 'x86' as const }, 'Tiny Core version'],
    [{ tcVersion: '4.x', arch: 'arm' as 'x86' }, 'architecture'],
    [{ tcVersion: '4.x', arch: 'x86' as const, mirror: 'ftp://x/tcz' }, '--mirror'],
    [{ tcVersion: '4.x', arch: 'x86' as const, isoUrl: 'http://bad host/Core.iso' }, '--iso-url'],
  ])('rejects bad settings (%#)', (settings, what) => {
    expect(() => resolveMirror(settings)).toThrow(UsageError);
    expect(() => resolveMirror(settings)).toThrow(what);
  });

  it('parseTcArch', () => {
    expect(parseTcArch('x86_64')).toBe('x86_64');
    expect(() => parseTcArch('amd64')).toThrow(UsageError);
    expect(bootFiles('x86').kernel).toBe('boot/vmlinuz');
  });
});

describe('extension URLs', () => {
  it('names every companion', () => {
    expect(extensionUrls('http://m/4.x/x86/tcz/', 'ruby.tcz')).toEqual({
      tcz: 'http://m/4.x/x86/tcz/ruby.tcz',
      'md5.txt': 'http://m/4.x/x86/tcz/ruby.tcz.md5.txt',
      info: 'http://m/4.x/x86/tcz/ruby.tcz.info',
      list: 'http://m/4.x/x86/tcz/ruby.tcz.list',
      dep: 'http://m/4.x/x86/tcz/ruby.tcz.dep',
    });
  });

  it('refuses names that would leave the directory', () => {
    expect(() => extensionUrl('http://m/tcz', '../x.tcz')).toThrow(UsageError);
    expect(() => extensionUrl('http://m/tcz', 'ruby')).toThrow(UsageError);
  });
});
