import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory holding mkbundle's package.json (and additional-build-files/). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('mkbundle: cannot find its own package.json');
    dir = parent;
  }
  return dir;
}

/** Set by the bundler for the standalone rebuild-iso script, which has no package.json beside it. */
declare const MKBUNDLE_VERSION: string | undefined;

let cached: string | undefined;

export function toolVersion(): string {
  if (typeof MKBUNDLE_VERSION === 'string') return MKBUNDLE_VERSION;
  cached ??= (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  return cached;
}
