import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where node-gyp builds the addon, under the package root. */
export const ADDON = join('native', 'build', 'Release', 'squashfs.node');

/** The addon's name in a bundle, beside mkbundle-iso.mjs (the bundled ISO stage). */
export const BUNDLED_ADDON = 'mkbundle-native.node';

/**
 * The addon file: beside the bundled ISO stage in an unpacked bundle, or at
 * the package root, which sits above both src/ and dist/src/.
 */
export function findAddon(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    for (const name of [BUNDLED_ADDON, ADDON]) {
      if (existsSync(join(dir, name))) return join(dir, name);
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export type AddonLoad =
  | { readonly ok: true; readonly path: string; readonly exports: unknown }
  | { readonly ok: false; readonly path: string | undefined; readonly reason: string };

let loaded: AddonLoad | undefined;

/**
 * Loads the addon once per process and remembers the outcome: not found, or
 * not loadable (built for another system, a shared library it links missing).
 */
export function loadAddon(): AddonLoad {
  if (loaded !== undefined) return loaded;
  const path = findAddon();
  if (path === undefined) {
    loaded = { ok: false, path, reason: `neither ${BUNDLED_ADDON} nor ${ADDON} found (run npm install)` };
    return loaded;
  }
  try {
    loaded = { ok: true, path, exports: createRequire(import.meta.url)(path) };
  } catch (error) {
    // dlopen's message is one line, "PATH: why" or "libdeflate.so.0: cannot open shared object file: …".
    const line = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
    loaded = { ok: false, path, reason: line.startsWith(`${path}: `) ? line.slice(path.length + 2) : line };
  }
  return loaded;
}
