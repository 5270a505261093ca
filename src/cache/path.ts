import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { defaultCacheDir } from '../fetch/cache.js';

/** `cache path`: the directory the bundle stage would use, `--cache-dir` (`override`) or the default, absolute. */
export function cachePath(env: NodeJS.ProcessEnv, override?: string): string {
  return resolve(override ?? defaultCacheDir(env, homedir()));
}
