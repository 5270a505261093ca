import { readCpio } from '../archive/cpio-read.js';
import type { ArchiveEntry } from '../archive/entry.js';
import { entryError } from '../archive/safe-path.js';
import { quoted } from '../config/quote.js';

/** One initramfs file of the Core: `boot/core.gz`, `boot/corepure64.gz`, or one of `rootfs64.gz` + `modules64.gz`. */
export interface CoreInitrd {
  readonly path: string;
  readonly name: string;
}

/** The Core's initramfs: one file, or several the boot loader loads in this order. */
export type CoreSource = CoreInitrd | readonly CoreInitrd[];

export function coreInitrds(core: CoreSource): readonly CoreInitrd[] {
  return 'path' in core ? [core as CoreInitrd] : (core as readonly CoreInitrd[]);
}

async function* allEntries(parts: readonly CoreInitrd[]): AsyncGenerator<[ArchiveEntry, CoreInitrd]> {
  for (const part of parts) {
    for await (const entry of readCpio(part.path, { name: part.name, allowDevices: true })) yield [entry, part];
  }
}

/**
 * The entries of the Core's initramfs as the kernel ends up with them. A
 * real `corepure64.gz` is `rootfs64.gz` and `modules64.gz` concatenated (two
 * cpio archives), and a boot loader may load several files: the kernel
 * unpacks them all in order, and a later entry of a name replaces an
 * earlier one. So: a name that occurs again yields only its last entry, at
 * that entry's place; a directory yields once, at its first place (its
 * children follow it), with its last entry's owner and mode. Two reads: the
 * first learns which entries are last, the second yields them.
 */
export async function* coreEntries(core: CoreSource): AsyncGenerator<ArchiveEntry> {
  const parts = coreInitrds(core);
  const last = new Map<string, number>();
  const dirs = new Map<string, ArchiveEntry>();
  const linkTargets: [ArchiveEntry & { kind: 'hardlink' }, CoreInitrd][] = [];
  const seen = new Map<string, number>();
  let at = 0;
  for await (const [entry, part] of allEntries(parts)) {
    const earlierDir = dirs.has(entry.path);
    if (last.has(entry.path) && earlierDir !== (entry.kind === 'dir')) {
      throw entryError(part.name, entry.path, 'a later archive turns a directory into a non-directory or back');
    }
    if (entry.kind === 'dir') dirs.set(entry.path, entry);
    if (entry.kind === 'hardlink') linkTargets.push([entry, part]);
    last.set(entry.path, at);
    seen.set(entry.path, (seen.get(entry.path) ?? 0) + 1);
    at += 1;
  }
  for (const [link, part] of linkTargets) {
    if ((seen.get(link.target) ?? 0) > 1) {
      throw entryError(part.name, link.path, `hard link to ${quoted(link.target)}, which a later entry replaces`);
    }
  }
  at = 0;
  const yieldedDirs = new Set<string>();
  for await (const [entry] of allEntries(parts)) {
    const index = at;
    at += 1;
    if (entry.kind === 'dir') {
      if (yieldedDirs.has(entry.path)) continue;
      yieldedDirs.add(entry.path);
      yield dirs.get(entry.path) ?? entry;
      continue;
    }
    // An entry left out is never read: the reader skips its body.
    if (last.get(entry.path) === index) yield entry;
  }
}
