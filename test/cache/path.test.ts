import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { cachePath } from '../../src/cache/index.js';
import { defaultCacheDir } from '../../src/fetch/cache.js';

it('is the bundle stage’s cache: --cache-dir, else $XDG_CACHE_HOME/mkbundle, else ~/.cache/mkbundle; absolute', () => {
  expect(cachePath({ XDG_CACHE_HOME: '/var/cache/x' })).toBe('/var/cache/x/mkbundle');
  expect(cachePath({})).toBe(join(homedir(), '.cache', 'mkbundle'));
  // A relative XDG_CACHE_HOME is ignored, as the spec says.
  expect(cachePath({ XDG_CACHE_HOME: 'rel' })).toBe(join(homedir(), '.cache', 'mkbundle'));
  expect(cachePath({ XDG_CACHE_HOME: '/var/cache/x' }, 'here/cache')).toBe(resolve('here/cache'));
  for (const env of [{}, { XDG_CACHE_HOME: '/c' }]) expect(cachePath(env)).toBe(defaultCacheDir(env, homedir()));
});
