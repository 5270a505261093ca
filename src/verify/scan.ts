import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { finished } from 'node:stream/promises';
import type { ArchiveEntry, FileEntry } from '../archive/entry.js';
import { fileChunks } from '../archive/file-data.js';
import { ROOT_PATH } from '../archive/safe-path.js';
import { type DynamicObject, isElf, readDynamicObject } from '../initramfs/elf.js';
import { MANIFEST_PATH, type ManifestRecord, recordEntries } from '../initramfs/manifest.js';
import { headFirst, Tap } from '../listing/facts.js';
import { RootTree } from './root.js';

/** Where the Razor Microkernel keeps the extensions Tiny Core installs at boot (tce-setup's /tmp/builtin). */
export const BUILTIN_DIR = 'tmp/builtin/optional';
export const ONBOOT_LIST = 'tmp/builtin/onboot.lst';

/** Files whose text the checks read: lists, checksums, the loader's configuration, the manifest. */
const TEXT =
  /(\.tcz\.dep|\.tcz\.md5\.txt|^tmp\/builtin\/onboot\.lst|^etc\/ld\.so\.conf(\.d\/.+)?|^usr\/share\/mkbundle\/manifest)$/;
const TEXT_LIMIT = 64 * 1024 * 1024;

export interface ElfFile {
  readonly path: string;
  readonly object: DynamicObject;
}

/** What one pass over an image's initramfs gathers for the checks. */
export interface ImageScan {
  /** Every entry as the manifest records it, the manifest itself left out. */
  readonly records: readonly ManifestRecord[];
  /** The text of `usr/share/mkbundle/manifest`, when the image has one. */
  readonly manifest: string | undefined;
  /** Lists, checksums and ld.so.conf, by path. */
  readonly texts: ReadonlyMap<string, string>;
  /** The md5 of every `.tcz`, by path. */
  readonly md5: ReadonlyMap<string, string>;
  /** Copies of the builtin `.tcz` files in the scratch directory, by path. */
  readonly tczs: ReadonlyMap<string, string>;
  /** Every dynamically linked ELF file. */
  readonly elves: readonly ElfFile[];
  /** The initramfs as a root tree (the caller adds the extensions). */
  readonly root: RootTree;
}

interface FileFound {
  readonly bytes: Buffer | undefined;
  readonly md5: string | undefined;
}

/** One file's bytes, read once: kept when they are text the checks read or ELF, md5'd and copied when a `.tcz`. */
async function readOne(name: string, entry: FileEntry, copy: string | undefined): Promise<FileFound> {
  const text = TEXT.test(entry.path) && entry.size <= TEXT_LIMIT;
  const hash = entry.path.endsWith('.tcz') ? createHash('md5') : undefined;
  const out = copy === undefined ? undefined : createWriteStream(copy);
  // Listening from the start: a write that fails between chunks is reported at the end, not thrown unheard.
  const written = out === undefined ? undefined : finished(out);
  written?.catch(() => {});
  const tap = out === undefined ? undefined : new Tap(out);
  const kept: Buffer[] = [];
  let keep: boolean | undefined;
  try {
    for await (const chunk of headFirst(fileChunks(name, entry))) {
      keep ??= text || isElf(chunk);
      if (keep) kept.push(chunk);
      hash?.update(chunk);
      await tap?.write(chunk);
    }
    out?.end();
    await written;
  } finally {
    out?.destroy();
  }
  return { bytes: keep || text ? Buffer.concat(kept) : undefined, md5: hash?.digest('hex') };
}

/**
 * Reads every entry of an initramfs once (each file's bytes are read, to
 * hash them for the manifest), keeping what the checks need: small texts,
 * `.tcz` checksums and copies of the builtin ones, and each ELF file, whose
 * bytes go to `scratch` for the library lookups.
 */
export async function scanImage(
  entries: AsyncIterable<ArchiveEntry>,
  name: string,
  scratch: string,
): Promise<ImageScan> {
  const records: ManifestRecord[] = [];
  const texts = new Map<string, string>();
  const md5 = new Map<string, string>();
  const tczs = new Map<string, string>();
  const elves: ElfFile[] = [];
  const root = new RootTree();
  let manifest: string | undefined;
  let copies = 0;
  const nothing = () => Promise.resolve(Buffer.alloc(0));

  for await (const entry of recordEntries(entries, records)) {
    if (entry.path === ROOT_PATH) continue;
    if (entry.kind === 'dir') root.add(entry.path, { kind: 'dir' });
    else if (entry.kind === 'symlink') root.add(entry.path, { kind: 'symlink', target: entry.target });
    else if (entry.kind === 'hardlink') {
      const target = `/${entry.target}`;
      root.add(entry.path, { kind: 'file', read: () => root.readFile(target) });
    } else if (entry.kind !== 'file') root.add(entry.path, { kind: 'other' });
    if (entry.kind !== 'file') continue;

    const builtin = entry.path.endsWith('.tcz') && posix.dirname(entry.path) === BUILTIN_DIR;
    const copy = builtin ? join(scratch, `tcz-${++copies}`) : undefined;
    const found = await readOne(name, entry, copy);
    if (found.md5 !== undefined) md5.set(entry.path, found.md5);
    if (copy !== undefined) tczs.set(entry.path, copy);
    const { bytes } = found;
    if (bytes === undefined) {
      root.add(entry.path, { kind: 'file', read: nothing });
    } else if (isElf(bytes)) {
      const elf = join(scratch, `elf-${++copies}`);
      await writeFile(elf, bytes);
      root.add(entry.path, { kind: 'file', read: () => readFile(elf) });
      const object = readDynamicObject(bytes);
      if (object !== undefined) elves.push({ path: entry.path, object });
    } else {
      if (entry.path === MANIFEST_PATH) manifest = bytes.toString('utf8');
      else texts.set(entry.path, bytes.toString('utf8'));
      root.add(entry.path, { kind: 'file', read: () => Promise.resolve(bytes) });
    }
  }
  return { records: records.filter((r) => r.path !== MANIFEST_PATH), manifest, texts, md5, tczs, elves, root };
}
