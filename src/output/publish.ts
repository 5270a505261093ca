import { createHash } from 'node:crypto';
import { readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { temporaryName, writeSynced } from '../archive/atomic.js';
import { removeOnInterrupt } from '../cleanup.js';
import { type Move, renameTogether } from '../commit.js';
import { errorText, isCode } from '../errno.js';
import { InputError } from '../errors.js';
import { sha256File } from '../hash.js';
import { SUMS_NAME, updateSums } from './sha256sums.js';

/** `kernel`, `initrd`, `cmdline`, `ipxe`: the PXE files of `mkbundle iso --pxe`. */
export type OutputKind = 'bundle' | 'iso' | 'manifest' | 'kernel' | 'initrd' | 'cmdline' | 'ipxe' | 'sha256sums';

/** A file a run wrote, as the summary and `--json` report it. */
export interface WrittenOutput {
  readonly kind: OutputKind;
  /** Absolute. */
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
  /** An earlier file of that name was replaced. */
  readonly replaced: boolean;
}

/** A complete, synced file under a temporary name beside its final name `to` (absolute). */
export interface Staged extends Move {
  readonly kind: Exclude<OutputKind, 'sha256sums'>;
}

async function readSums(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (isCode(error, 'ENOENT')) return '';
    throw new InputError(`cannot read ${path}: ${errorText(error)}`, { cause: error });
  }
}

/**
 * Puts staged files in place together with SHA256SUMS beside them: the
 * sums are hashed from the staged files, the earlier SHA256SUMS keeps every
 * other file's line, and all of it appears with one renameTogether (so an
 * earlier output, its SHA256SUMS line included, stays as it was when
 * anything fails). `alongside` (the lockfile) is renamed with them, but is
 * neither summed nor an output. Returns the outputs in the order given, then
 * each SHA256SUMS.
 */
export async function publish(staged: readonly Staged[], alongside: readonly Move[] = []): Promise<WrittenOutput[]> {
  const files = [];
  for (const file of staged) {
    files.push({ ...file, size: (await stat(file.from)).size, sha256: await sha256File(file.from) });
  }
  const sums: (Move & { readonly size: number; readonly sha256: string })[] = [];
  const untrack: (() => void)[] = [];
  try {
    for (const dir of new Set(files.map((file) => dirname(file.to)))) {
      const to = join(dir, SUMS_NAME);
      const mine = files.filter((file) => dirname(file.to) === dir);
      const text = updateSums(
        await readSums(to),
        mine.map((file) => ({ name: basename(file.to), sha256: file.sha256 })),
      );
      const from = temporaryName(to);
      untrack.push(removeOnInterrupt(from));
      await writeSynced(from, to, Readable.from([text]));
      const data = Buffer.from(text);
      sums.push({ from, to, size: data.length, sha256: createHash('sha256').update(data).digest('hex') });
    }
    const replaced = await renameTogether([...files, ...sums, ...alongside]);
    return [...files, ...sums.map((sum) => ({ ...sum, kind: 'sha256sums' as const }))].map((file) => ({
      kind: file.kind,
      path: file.to,
      size: file.size,
      sha256: file.sha256,
      replaced: replaced.has(file.to),
    }));
  } finally {
    for (const { from } of sums) await rm(from, { force: true });
    for (const done of untrack) done();
  }
}

/**
 * Writes each file under a temporary name beside its final one (removed on
 * failure and on an interrupt), then publishes them together, with `alongside`.
 */
export async function writeOutputs(
  files: readonly {
    readonly kind: Staged['kind'];
    readonly to: string;
    readonly write: (temp: string) => Promise<void>;
  }[],
  alongside: readonly Move[] = [],
): Promise<WrittenOutput[]> {
  const staged: Staged[] = [];
  const untrack: (() => void)[] = [];
  try {
    for (const file of files) {
      const from = temporaryName(file.to);
      untrack.push(removeOnInterrupt(from));
      staged.push({ kind: file.kind, from, to: file.to });
      await file.write(from);
    }
    return await publish(staged, alongside);
  } finally {
    for (const { from } of staged) await rm(from, { force: true });
    for (const done of untrack) done();
  }
}
