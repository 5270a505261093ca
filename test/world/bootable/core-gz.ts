import { createWriteStream } from 'node:fs';
import { copyFile, link, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { execa } from 'execa';
import type { ArchiveEntry, DeviceEntry, SpecialEntry } from './entries.js';
import { WORLD_EPOCH } from './paths.js';

/*
 * How the archive is written: the entries are staged as real files, then one
 * fakeroot session creates the device nodes (fakeroot's mknod only records
 * them), sets owners and modes, and lets GNU `cpio -o -H newc` read the
 * tree, so the archive gets real node headers without root. GNU cpio is an
 * independent writer: the world does not depend on mkbundle's own cpio code,
 * which the tests check against it.
 */

export interface CoreGzOptions {
  /** Runs on the staged tree before it is archived (e.g. depmod); its files get `epoch` and root. */
  readonly prepare?: (root: string) => Promise<void>;
  /** The date of files the entries do not describe (implicit parents, prepare's output). */
  readonly epoch?: number;
}

const quote = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;

async function stageEntry(root: string, entry: ArchiveEntry): Promise<void> {
  const to = join(root, entry.path);
  await mkdir(dirname(to), { recursive: true });
  switch (entry.kind) {
    case 'dir':
      await mkdir(to, { recursive: true });
      return;
    case 'file':
      if (entry.data.from === 'buffer') await writeFile(to, entry.data.data);
      else if (entry.data.from === 'path') await copyFile(entry.data.path, to);
      else await pipeline(entry.data.open(), createWriteStream(to));
      return;
    case 'symlink':
      await symlink(entry.target, to);
      return;
    case 'hardlink':
      await link(join(root, entry.target), to);
      return;
    case 'socket':
      throw new Error(`cannot archive socket ${entry.path}: cpio has no use for one`);
    default:
      return; // nodes and fifos: made inside fakeroot
  }
}

const nodeType = (entry: DeviceEntry | SpecialEntry): string =>
  entry.kind === 'chardev'
    ? `c ${entry.major} ${entry.minor}`
    : entry.kind === 'blockdev'
      ? `b ${entry.major} ${entry.minor}`
      : 'p';

/** The fakeroot script: nodes, owners, modes (after chown, which clears setuid), dates, then cpio. */
function fakerootScript(entries: readonly ArchiveEntry[], epoch: number, out: string): string {
  const lines = ['set -e', 'chown -hR 0:0 .'];
  for (const e of entries) {
    if (e.kind === 'chardev' || e.kind === 'blockdev' || e.kind === 'fifo') {
      lines.push(`mknod -m ${e.mode.toString(8)} ${quote(e.path)} ${nodeType(e)}`);
    }
    if (e.uid !== 0 || e.gid !== 0) lines.push(`chown -h ${e.uid}:${e.gid} ${quote(e.path)}`);
    if (e.kind !== 'symlink') lines.push(`chmod ${(e.mode & 0o7777).toString(8)} ${quote(e.path)}`);
  }
  lines.push(`find . -exec touch -h -d @${epoch} {} +`);
  for (const e of entries) if (e.mtime !== epoch) lines.push(`touch -h -d @${e.mtime} ${quote(e.path)}`);
  lines.push(`find . | LC_ALL=C sort | cpio -o -H newc --reproducible --quiet >${quote(out)}`);
  return `${lines.join('\n')}\n`;
}

/** Writes `out` as gzip of a newc cpio holding exactly `entries` (plus `.`, implicit parents and prepare's files). */
export async function buildCoreGz(
  entries: readonly ArchiveEntry[],
  out: string,
  opts: CoreGzOptions = {},
): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'mkworld-core-'));
  try {
    const root = join(work, 'root');
    await mkdir(root);
    for (const entry of entries) await stageEntry(root, entry);
    await opts.prepare?.(root);
    const cpio = join(work, 'core.cpio');
    await execa('fakeroot', ['--', 'sh', '-s'], {
      cwd: root,
      input: fakerootScript(entries, opts.epoch ?? WORLD_EPOCH, cpio),
    });
    // zlib writes no name and a zero mtime in the gzip header: same input, same bytes.
    await writeFile(out, gzipSync(await readFile(cpio), { level: 9 }));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
