import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArchiveEntry } from '../archive/entry.js';
import { InputError } from '../errors.js';
import { ADDON, BUNDLED_ADDON } from '../native/addon.js';
import { fileEntry } from '../overlay/entries.js';
import { packageRoot } from '../version.js';

/**
 * What makes a bundle self-contained for the ISO stage: the `rebuild-iso`
 * launcher, the ISO stage bundled into one JavaScript file, and the native
 * addon for libdeflate (on a machine where it cannot load, the ISO stage
 * falls back to advdef or gzip).
 */
export async function isoScriptEntries(mtime: number): Promise<ArchiveEntry[]> {
  const root = packageRoot();
  const parts = [
    { path: 'rebuild-iso', source: join(root, 'iso-build-files', 'rebuild-iso'), mode: 0o755 },
    { path: 'mkbundle-iso.mjs', source: join(root, 'dist', 'mkbundle-iso.mjs'), mode: 0o644 },
    { path: BUNDLED_ADDON, source: join(root, ADDON), mode: 0o644 },
  ];
  const entries: ArchiveEntry[] = [];
  for (const part of parts) {
    let size: number;
    try {
      size = (await stat(part.source)).size;
    } catch {
      throw new InputError(`${part.source} is missing: run 'npm install && npm run build' in ${root}`);
    }
    entries.push(fileEntry(part.path, { from: 'path', path: part.source }, size, part.mode, mtime));
  }
  return entries;
}
