import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ArchiveEntry, FileEntry } from '../archive/entry.js';
import { fileChunks } from '../archive/file-data.js';
import { ancestors, entryError, ROOT_PATH, symlinkEscapes } from '../archive/safe-path.js';
import { removeScratchDir, scratchDir } from '../cleanup.js';
import { quoted } from '../config/quote.js';
import { ArchiveError, InputError } from '../errors.js';
import type { SquashfsInputEntry } from '../squashfs/write.js';
import { writeSquashfs } from '../squashfs/write.js';
import { extensionNameProblem } from '../tce/name.js';
import { readDeb } from './deb.js';

export interface DebToTczOptions {
  /** The extension's name without `.tcz`: names its postinst and start-up script. */
  readonly name: string;
  /** Every entry's mtime and the image's time, epoch seconds. */
  readonly mtime: number;
  /** A directory for temporary files: the package is unpacked below it and removed again. */
  readonly scratch: string;
}

export interface TczResult {
  /** Bytes of the written `.tcz`. */
  readonly size: number;
  /** Its md5, lower-case hex (what `NAME.tcz.md5.txt` states). */
  readonly md5: string;
}

/** What a Tiny Core extension leaves out of a Debian package, with everything below. */
export const DROPPED_DIRS: readonly string[] = [
  'usr/share/doc',
  'usr/share/man',
  'usr/share/menu',
  'usr/share/lintian',
];

/** A package's postinst saved from the control tarball, and the start-up script that runs it. */
export interface PostinstFiles {
  readonly postinst: string;
  /** The postinst's mode in the control tarball. */
  readonly mode: number;
  readonly startScript: string;
}

/**
 * Makes a Tiny Core extension of a Debian binary package, as Razor's
 * deb2tcz.sh did: the data tarball's files without documentation, manual
 * pages, menu and lintian files (`DROPPED_DIRS`) and without the directories
 * that leaves empty; a `postinst` comes along as `usr/local/postinst/NAME`
 * with a start-up script `usr/local/tce.installed/NAME` that runs it. Unlike
 * the script, nothing is fetched from the network. Both tarballs go through
 * the project's safe tar reader; a symlink whose relative target climbs out
 * of the package is refused as well. The `.tcz` is written by our squashfs
 * writer (gzip, 4 KiB blocks, 0:0, every mtime `options.mtime`), so the same
 * package gives the same bytes.
 */
export async function debToTcz(debPath: string, outTcz: string, options: DebToTczOptions): Promise<TczResult> {
  const problem = extensionNameProblem(`${options.name}.tcz`);
  if (problem !== null) throw new InputError(`extension name ${quoted(options.name)}: ${problem}`);
  const work = await scratchDir('deb2tcz', options.scratch);
  try {
    const files = new UnpackedFiles(work);
    let postinst: { source: string; mode: number } | undefined;
    await readDeb(debPath, {
      control: async ({ entries, label }) => {
        for await (const entry of entries) {
          if (entry.path !== 'postinst') continue;
          if (entry.kind !== 'file') throw entryError(label, entry.path, `is a ${entry.kind}, not a regular file`);
          postinst = { source: await files.save(label, entry), mode: entry.mode };
        }
      },
      data: async ({ entries, label }) => {
        for await (const entry of entries) await files.add(label, entry);
      },
    });
    let scripts: PostinstFiles | undefined;
    if (postinst !== undefined) {
      scripts = { postinst: postinst.source, mode: postinst.mode, startScript: join(work, 'tce.installed') };
      await writeFile(scripts.startScript, startScriptText(options.name));
    }
    const entries = tczEntries(debPath, files.entries, options.name, scripts);
    await writeSquashfs(outTcz, entries, { mtime: options.mtime });
    return await sizeAndMd5(outTcz);
  } finally {
    await removeScratchDir(work);
  }
}

/**
 * Tiny Core has no dpkg to run a package's maintainer scripts. Its tce-load
 * runs `usr/local/tce.installed/NAME` once, right after mounting the
 * extension: the script hands that moment to the package's postinst with the
 * `configure` argument dpkg gives it after unpacking. Errors go to /dev/null
 * as in deb2tcz.sh: Debian's tooling that postinsts call is mostly absent.
 * The `#!/bin/sh` line lets tce-load exec the script directly.
 */
export function startScriptText(name: string): string {
  return `#!/bin/sh\n/usr/local/postinst/${name} configure 2>/dev/null\n`;
}

/**
 * The `.tcz` layout from a package's data entries (pure): `DROPPED_DIRS`
 * removed, then every directory with nothing but directories below it (what
 * deb2tcz.sh's `rmdir` of empty directories was for), missing parents added
 * as 0755, and with a postinst its copy and start-up script under
 * `usr/local` (`tce.installed` 0775, as the script made it).
 */
export function tczEntries(
  debPath: string,
  data: readonly SquashfsInputEntry[],
  name: string,
  postinst?: PostinstFiles,
): SquashfsInputEntry[] {
  const dropped = (path: string) => DROPPED_DIRS.some((dir) => path === dir || path.startsWith(`${dir}/`));
  const kept = data.filter((entry) => !dropped(entry.path));
  const occupied = new Set<string>(['']);
  for (const entry of kept) {
    if (entry.kind !== 'dir') for (const dir of ['', ...ancestors(entry.path)]) occupied.add(dir);
  }
  const out = kept.filter((entry) => entry.kind !== 'dir' || occupied.has(entry.path));
  const byPath = new Map(out.map((entry) => [entry.path, entry]));
  const ensureDir = (path: string, mode: number) => {
    const existing = byPath.get(path);
    if (existing === undefined) {
      const dir: SquashfsInputEntry = { kind: 'dir', path, mode };
      byPath.set(path, dir);
      out.push(dir);
    } else if (existing.kind !== 'dir') {
      throw new ArchiveError(`${debPath}: ${quoted(path)} is a ${existing.kind}, but must be a directory`);
    }
  };
  for (const path of occupied) ensureDir(path, 0o755);
  if (postinst !== undefined) {
    ensureDir('usr', 0o755);
    ensureDir('usr/local', 0o755);
    ensureDir('usr/local/postinst', 0o755);
    ensureDir('usr/local/tce.installed', 0o775);
    for (const path of [`usr/local/postinst/${name}`, `usr/local/tce.installed/${name}`]) {
      if (byPath.has(path)) throw new ArchiveError(`${debPath}: the package already has '${path}'`);
    }
    out.push({ kind: 'file', path: `usr/local/postinst/${name}`, mode: postinst.mode, source: postinst.postinst });
    out.push({ kind: 'file', path: `usr/local/tce.installed/${name}`, mode: 0o755, source: postinst.startScript });
  }
  return out;
}

/** The data tarball's entries as writer input, file bodies saved below a scratch directory. */
class UnpackedFiles {
  readonly entries: SquashfsInputEntry[] = [];
  readonly #files = new Map<string, { source: string; mode: number }>();
  readonly #seen = new Set<string>();
  #count = 0;

  constructor(private readonly dir: string) {}

  async add(label: string, entry: ArchiveEntry): Promise<void> {
    const path = entry.path === ROOT_PATH ? '' : entry.path;
    if (this.#seen.has(path)) throw entryError(label, entry.path, 'appears twice in the package');
    this.#seen.add(path);
    switch (entry.kind) {
      case 'dir':
        this.entries.push({ kind: 'dir', path, mode: entry.mode });
        return;
      case 'file': {
        const source = await this.save(label, entry);
        this.#files.set(path, { source, mode: entry.mode });
        this.entries.push({ kind: 'file', path, mode: entry.mode, source });
        return;
      }
      case 'hardlink': {
        // The reader has checked that the target is an earlier file: share its saved copy.
        const target = this.#files.get(entry.target) as { source: string; mode: number };
        this.#files.set(path, target);
        this.entries.push({ kind: 'file', path, mode: target.mode, source: target.source });
        return;
      }
      case 'symlink':
        // Absolute targets are normal in packages (`/etc/alternatives/…`); relative ones stay inside.
        if (!entry.target.startsWith('/') && symlinkEscapes(path, entry.target)) {
          throw entryError(label, entry.path, `symlink target ${quoted(entry.target)} climbs out of the package`);
        }
        this.entries.push({ kind: 'symlink', path, mode: 0o777, target: entry.target });
        return;
      default:
        throw entryError(label, entry.path, `${entry.kind} entries cannot go into an extension`);
    }
  }

  /** Streams a file entry's body to a fresh scratch file and returns its path. */
  async save(label: string, entry: FileEntry): Promise<string> {
    this.#count += 1;
    const source = join(this.dir, `f${this.#count}`);
    await pipeline(Readable.from(fileChunks(label, entry)), createWriteStream(source, { flags: 'wx', mode: 0o600 }));
    return source;
  }
}

async function sizeAndMd5(path: string): Promise<TczResult> {
  const hash = createHash('md5');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, md5: hash.digest('hex') };
}
