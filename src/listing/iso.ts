import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { ArchiveError } from '../errors.js';
import { extractFromIso } from '../iso/read.js';
import { withXorrisoProblem } from '../iso/xorriso.js';
import { requireTool } from '../tools/which.js';
import { addFile, type ListOptions } from './context.js';
import { withListContext } from './entries.js';
import type { Listed } from './listed.js';
import { type LsEntry, parseLsdl } from './xorriso-ls.js';

/**
 * What xorriso prints on stdout for `commands` run on the ISO at `iso`,
 * read-only (`-indev`, no mount, no root); a failure is an ArchiveError
 * naming the ISO with xorriso's own problem lines.
 */
export async function xorrisoReport(iso: string, commands: readonly string[]): Promise<string> {
  const xorriso = await requireTool('xorriso');
  const run = await execa(xorriso, ['-no_rc', '-abort_on', 'FAILURE', '-indev', iso, ...commands], {
    reject: false,
    stdin: 'ignore',
    encoding: 'utf8',
    stripFinalNewline: false,
  });
  if (run.exitCode !== 0) throw new ArchiveError(withXorrisoProblem(`${iso}: cannot read the ISO`, run.stderr));
  return run.stdout;
}

/** The ISO's tree as xorriso lists it (the root first, as `''`). */
export async function isoTree(iso: string): Promise<LsEntry[]> {
  return parseLsdl(await xorrisoReport(iso, ['-find', '/', '-exec', 'lsdl', '--']));
}

const listedOf = (entry: LsEntry): Listed => {
  const { path: _path, size, ...rest } = entry;
  return entry.kind === 'file' ? { ...rest, size } : rest;
};

/**
 * Every entry of an ISO by path (the root left out), without mtimes
 * (xorriso's listing shows them in minutes). File contents are hashed, and
 * containers listed, from a copy of the tree xorriso extracts into a scratch
 * directory.
 */
export async function listIso(iso: string, options: ListOptions = {}): Promise<Map<string, Listed>> {
  const tree = (await isoTree(iso)).filter((entry) => entry.path !== '');
  return withListContext(options, async (ctx) => {
    const copy = join(await ctx.scratch(), 'iso');
    await extractFromIso(iso, '', copy);
    const out = new Map<string, Listed>();
    for (const entry of tree) {
      const listed = listedOf(entry);
      if (entry.kind === 'file') await addFile(out, entry.path, listed, createReadStream(join(copy, entry.path)), ctx);
      else out.set(entry.path, listed);
    }
    return out;
  });
}
