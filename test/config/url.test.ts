import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sourceUrl } from '../../src/config/url.js';
import { UsageError } from '../../src/errors.js';

describe('sourceUrl', () => {
  it('keeps http(s) URLs, without trailing slashes', () => {
    expect(sourceUrl('http://repo.tinycorelinux.net/4.x/x86/tcz/', '--mirror')).toBe(
      'http://repo.tinycorelinux.net/4.x/x86/tcz',
    );
    expect(sourceUrl('https://rubygems.org', '--gem-source')).toBe('https://rubygems.org');
  });

  it('makes a path a file: URL, relative to the current directory, and takes file:///PATH and file://localhost/PATH', () => {
    expect(sourceUrl('/srv/tc/4.x/x86/tcz/', '--mirror')).toBe('file:///srv/tc/4.x/x86/tcz');
    expect(sourceUrl('mirror/tcz', '--mirror')).toBe(`file://${resolve('mirror/tcz')}`);
    expect(sourceUrl('/srv/tiny core/Core.iso', '--iso-url')).toBe('file:///srv/tiny%20core/Core.iso');
    expect(sourceUrl('file:///srv/tc/', '--mirror')).toBe('file:///srv/tc');
    expect(sourceUrl('file://localhost/srv/tc', '--mirror')).toBe('file:///srv/tc');
  });

  it('refuses other schemes, other hosts and broken URLs, naming the setting', () => {
    const bad = (value: string) => () => sourceUrl(value, '--mirror');
    expect(bad('ftp://x/tcz')).toThrow(UsageError);
    expect(bad('ftp://x/tcz')).toThrow(
      "--mirror: only http, https and file URLs or a local path are supported: 'ftp://x/tcz'",
    );
    expect(bad('file://nas/tc')).toThrow(
      "--mirror: a file: URL names this machine's files (file:///PATH), got 'file://nas/tc'",
    );
    expect(bad('http://[x')).toThrow("--mirror: not a URL: 'http://[x'");
    expect(bad('/srv/\u001b[31m')).toThrow('--mirror: not a URL (unprintable characters)');
  });

  it('property: a path comes back from its file: URL as the same absolute path', () => {
    const segment = fc.stringMatching(/^[\w .%#?@+-]{1,12}$/).filter((s) => s !== '.' && s !== '..' && s.trim() === s);
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }), (segments) => {
        const path = `/${segments.join('/')}`;
        expect(fileURLToPath(sourceUrl(path, '--mirror'))).toBe(resolve(path));
      }),
    );
  });
});
