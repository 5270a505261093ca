import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { type ArchiveEntry, file } from './entries.js';
import { tcCoreScriptsDir } from './paths.js';

/** Files of the Core-scripts repository that are not part of Core's root. */
const NOT_IN_ROOT = new Set(['REAME', 'README', 'README.md']);

/**
 * Kernels ≥ 5.x refuse the `bs=` mount option for squashfs, which tce-load
 * of 2013 passes (`-o loop,ro,bs=4096`); upstream later dropped it
 * (Core-scripts commit bf3b533). The same edit, made here on every such mount.
 */
function withoutSquashfsBlockSize(text: string, where: string): string {
  if (!text.includes(',bs=4096')) throw new Error(`${where}: no ',bs=4096' mount option to drop; update the world`);
  return text.replaceAll(',bs=4096', '');
}

const EDITS: Readonly<Record<string, (text: string, where: string) => string>> = {
  'usr/bin/tce-load': withoutSquashfsBlockSize,
};

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .filter((path) => !NOT_IN_ROOT.has(path))
    .sort();
}

/**
 * Tiny Core's boot scripts (`init`, `etc/init.d/rcS`, `tc-config`,
 * `tc-functions`, `usr/bin/tce-setup`, `tce-load`, `sbin/autologin`, …) as
 * root entries at their own paths, read from `dir` when the world is built:
 * executables 0755, the rest 0644, and the one edit EDITS names.
 */
export async function coreScriptEntries(dir = tcCoreScriptsDir()): Promise<ArchiveEntry[]> {
  const paths = await filesUnder(dir).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`Tiny Core's boot scripts are not in ${dir} (${error.code ?? error.message})`);
  });
  if (!paths.includes('etc/init.d/tc-config')) throw new Error(`${dir} has no etc/init.d/tc-config`);
  const entries: ArchiveEntry[] = [];
  for (const path of paths) {
    const source = join(dir, path);
    const mode = (await stat(source)).mode & 0o111 ? 0o755 : 0o644;
    const text = await readFile(source);
    const edit = EDITS[path];
    entries.push(file(path, edit ? edit(text.toString('utf8'), source) : text, mode));
  }
  return entries;
}
