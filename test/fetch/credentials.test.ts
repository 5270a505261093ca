import { describe, expect, it } from 'vitest';
import { withCredentials } from '../../src/fetch/credentials.js';
import type { HttpClient } from '../../src/fetch/http.js';

/** A client that records the URLs it is asked for. */
function recorder(): HttpClient & { readonly asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    download: async (url) => {
      asked.push(url);
      return { notModified: true };
    },
    stats: () => ({ requests: asked.length, retries: 0, notModified: 0, bytesFetched: 0 }),
  };
}

describe('withCredentials', () => {
  it('sends a redacted URL under a configured one with that one’s credentials', async () => {
    const inner = recorder();
    const client = withCredentials(inner, [
      'http://a:1@h/tcz',
      'http://b:2@h/tcz/deep',
      'http://other/plain',
      'http://c:3@h:81/iso/Core.iso',
    ]);
    for (const url of [
      'http://***@h/tcz/bash.tcz',
      'http://***@h/tcz/deep/x.tcz',
      'http://***@h/tczother/x.tcz',
      'http://***@h:81/iso/Core.iso',
      'http://***@h:81/iso/Core.iso?x=1',
      'http://other/plain/y',
      'http://h/tcz/bash.tcz',
    ]) {
      await client.download(url, '/dev/null');
    }
    expect(inner.asked).toEqual([
      'http://a:1@h/tcz/bash.tcz',
      'http://b:2@h/tcz/deep/x.tcz',
      'http://***@h/tczother/x.tcz',
      'http://c:3@h:81/iso/Core.iso',
      'http://c:3@h:81/iso/Core.iso?x=1',
      'http://other/plain/y',
      'http://h/tcz/bash.tcz',
    ]);
    expect(client.stats().requests).toBe(7);
  });

  it('is the client itself when no URL has credentials', () => {
    const inner = recorder();
    expect(withCredentials(inner, ['http://h/tcz'])).toBe(inner);
  });
});
