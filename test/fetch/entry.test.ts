import { describe, expect, it } from 'vitest';
import { parseIndexEntry } from '../../src/fetch/entry.js';

const URL_ = 'http://mirror/tcz/x.tcz';
const good = {
  url: URL_,
  sha256: 'a'.repeat(64),
  md5: 'b'.repeat(32),
  size: 10,
  etag: '"e"',
  lastModified: 'Mon, 01 Jan 2024 00:00:00 GMT',
  fetchedAt: '2024-01-01T00:00:00.000Z',
};

describe('parseIndexEntry', () => {
  it('reads present and absent entries', () => {
    expect(parseIndexEntry(JSON.stringify(good), URL_)).toEqual(good);
    const { etag: _e, lastModified: _l, ...bare } = good;
    expect(parseIndexEntry(JSON.stringify(bare), URL_)).toEqual(bare);
    expect(parseIndexEntry(JSON.stringify({ url: URL_, absent: true, fetchedAt: 'x' }), URL_)).toEqual({
      url: URL_,
      absent: true,
      fetchedAt: 'x',
    });
  });

  it.each([
    ['not JSON', '{'],
    ['an array', '[]'],
    ['another URL', JSON.stringify({ ...good, url: 'http://other/' })],
    ['a bad sha256', JSON.stringify({ ...good, sha256: 'A'.repeat(64) })],
    ['a missing md5', JSON.stringify({ ...good, md5: undefined })],
    ['a negative size', JSON.stringify({ ...good, size: -1 })],
    ['a fractional size', JSON.stringify({ ...good, size: 1.5 })],
    ['a non-string etag', JSON.stringify({ ...good, etag: 5 })],
    ['no fetchedAt', JSON.stringify({ ...good, fetchedAt: undefined })],
  ])('rejects %s', (_name, text) => {
    expect(parseIndexEntry(text, URL_)).toBeUndefined();
  });
});
