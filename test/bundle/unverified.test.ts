import { describe, expect, it } from 'vitest';
import type { Input } from '../../src/bundle/fetcher.js';
import { unverifiedWarning } from '../../src/bundle/unverified.js';

const input = (url: string, verified: Input['verified']): Input => ({ url, size: 1, sha256: '0'.repeat(64), verified });
const none = { pins: new Map<string, string>(), gems: undefined };

describe('unverifiedWarning', () => {
  it('is nothing when every input was checked or is metadata', () => {
    expect(
      unverifiedWarning([input('http://h/a.tcz', 'md5.txt'), input('http://h/a.tcz.md5.txt', 'metadata')], none),
    ).toBe(undefined);
  });

  it('counts them, names the first three, and the pins that would check them, once each', () => {
    const inputs = ['a', 'b', 'c', 'd', 'e'].map((n) => input(`http://h/${n}.tgz`, 'unverified'));
    const pins = new Map([
      ['http://h/a.tgz', '--rubygems-sha256'],
      ['http://h/e.tgz', '--iso-sha256'],
    ]);
    expect(unverifiedWarning([input('http://h/x.tcz', 'md5.txt'), ...inputs], { pins, gems: undefined })).toBe(
      "5 inputs not verified against any checksum: 'http://h/a.tgz', 'http://h/b.tgz', 'http://h/c.tgz' and 2 more; pin with --rubygems-sha256, --iso-sha256",
    );
  });

  it('one input, and the legacy gem index as the cause; a URL that would not print is escaped', () => {
    expect(
      unverifiedWarning([input('http://h/g\u001b.gem', 'unverified')], {
        pins: new Map(),
        gems: 'G has a legacy gem index',
      }),
    ).toBe("1 input not verified against any checksum: 'http://h/g\\u{1b}.gem'; G has a legacy gem index");
  });
});
