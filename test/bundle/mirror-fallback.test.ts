import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alternativesOf, failureOf, fallsBack, MirrorsFailedError } from '../../src/bundle/mirror-fallback.js';
import { ArchiveError, InputError, IntegrityError, LockDriftError } from '../../src/errors.js';
import { NotCachedError } from '../../src/fetch/cache.js';
import { HttpError } from '../../src/fetch/failure.js';

const mirrors = { primary: 'http://a/tc/tcz', fallbacks: ['http://b/tcz', 'file:///srv/tcz'] };

describe('alternativesOf', () => {
  it('gives the same path under each mirror, the primary first', () => {
    expect(alternativesOf('http://a/tc/tcz/ruby.tcz.md5.txt', mirrors)).toEqual([
      'http://a/tc/tcz/ruby.tcz.md5.txt',
      'http://b/tcz/ruby.tcz.md5.txt',
      'file:///srv/tcz/ruby.tcz.md5.txt',
    ]);
  });

  it('leaves a URL outside the primary alone, and one that only shares a prefix', () => {
    fc.assert(
      fc.property(fc.webUrl(), (url) => {
        fc.pre(!url.startsWith('http://a/tc/tcz/'));
        expect(alternativesOf(url, mirrors)).toEqual([url]);
      }),
    );
    expect(alternativesOf('http://a/tc/tczx/ruby.tcz', mirrors)).toEqual(['http://a/tc/tczx/ruby.tcz']);
  });
});

describe('fallsBack', () => {
  const status = (code: 404 | 500) =>
    new HttpError('http://a/x', { kind: 'status', status: code, statusText: code === 404 ? 'Not Found' : 'Error' }, 1);
  it.each([
    ['a 404', status(404), true],
    ['a 500 after the retries', status(500), true],
    [
      'a refused connection',
      new HttpError('http://a/x', { kind: 'network', code: 'ECONNREFUSED', detail: '' }, 4),
      true,
    ],
    ['a checksum mismatch', new IntegrityError('http://a/x: md5 expected 1, got 2'), true],
    ['a file --offline finds no copy of', new NotCachedError('http://a/x', 'not in the cache'), true],
    [
      'a body over its size limit',
      new HttpError('http://a/x', { kind: 'too-large', limit: { kind: 'payload', bytes: 1 } }, 1),
      false,
    ],
    ['a --frozen drift', new LockDriftError('--frozen: http://a/x changed'), false],
    ['a hostile archive', new ArchiveError('x: entry escapes'), false],
    ['a full disk', new InputError('cannot write: no space left on device'), false],
  ])('%s: %s', (_what, error, expected) => {
    expect(fallsBack(error)).toBe(expected);
  });
});

describe('failureOf', () => {
  it('is the one failure itself, or one line naming each', () => {
    const one = new IntegrityError('one');
    expect(failureOf([one])).toBe(one);
    const both = failureOf([new Error('GET a: 404 Not Found'), new Error("'/srv/x': no such file")]);
    expect(both).toBeInstanceOf(MirrorsFailedError);
    expect(both.message).toBe("every mirror failed: GET a: 404 Not Found; '/srv/x': no such file");
  });
});
