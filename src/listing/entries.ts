import { readCpio } from '../archive/cpio-read.js';
import type { ArchiveEntry } from '../archive/entry.js';
import { fileChunks } from '../archive/file-data.js';
import { ROOT_PATH } from '../archive/safe-path.js';
import { readTar } from '../archive/tar-read.js';
import { removeScratchDir, scratchDir } from '../cleanup.js';
import { addFile, type ListContext, type ListOptions } from './context.js';
import type { Listed } from './listed.js';
import { sniffFile } from './sniff.js';
import { listSquashfs } from './squashfs.js';

export type { ListOptions };

/**
 * A listing job with a scratch directory made on first use (only nested
 * containers need one) and removed at the end.
 */
export async function withListContext<T>(options: ListOptions, job: (ctx: ListContext) => Promise<T>): Promise<T> {
  let dir: Promise<string> | undefined;
  const scratch = () => {
    dir ??= scratchDir('listing');
    return dir;
  };
  try {
    return await job({ options, depth: 0, scratch, listContainer });
  } finally {
    if (dir !== undefined) await removeScratchDir(await dir);
  }
}

/** The listing of a squashfs image, a tar or a cpio file (gzipped or not); undefined for anything else. */
async function listContainer(file: string, name: string, ctx: ListContext): Promise<Map<string, Listed> | undefined> {
  const { format } = await sniffFile(file);
  switch (format) {
    case 'squashfs':
      return listSquashfs(file, ctx, name);
    case 'tar':
      return listEntries(readTar(file, { name, allowDevices: true }), ctx, name);
    case 'cpio':
      return listEntries(readCpio(file, { name, allowDevices: true }), ctx, name);
    default:
      return undefined;
  }
}

/** Every entry a tar or cpio reader yields, by path (the root itself left out), file bodies read once; `name` names the archive. */
async function listEntries(
  entries: AsyncIterable<ArchiveEntry>,
  ctx: ListContext,
  name: string,
): Promise<Map<string, Listed>> {
  const out = new Map<string, Listed>();
  for await (const entry of entries) {
    if (entry.path === ROOT_PATH) continue;
    const meta = { kind: entry.kind, mode: entry.mode, uid: entry.uid, gid: entry.gid, mtime: entry.mtime };
    switch (entry.kind) {
      case 'file':
        await addFile(out, entry.path, meta, fileChunks(name, entry), ctx);
        break;
      case 'symlink':
      case 'hardlink':
        out.set(entry.path, { ...meta, target: entry.target });
        break;
      case 'chardev':
      case 'blockdev':
        out.set(entry.path, { ...meta, device: `${entry.major},${entry.minor}` });
        break;
      default:
        out.set(entry.path, meta);
    }
  }
  return out;
}

/** A tar(.gz) by path. */
export function listTar(archive: string, options: ListOptions = {}, name = archive): Promise<Map<string, Listed>> {
  return withListContext(options, (ctx) => listEntries(readTar(archive, { name, allowDevices: true }), ctx, name));
}
