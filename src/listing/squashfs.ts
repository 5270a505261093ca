import { SquashfsError } from '../errors.js';
import { SquashfsImage } from '../squashfs/index.js';
import { addFile, type ListContext } from './context.js';
import type { Listed } from './listed.js';

/** Every entry of a squashfs image by path (the root itself left out), file bodies streamed. */
export async function listSquashfs(file: string, ctx: ListContext, name = file): Promise<Map<string, Listed>> {
  const image = await SquashfsImage.open(file).catch((error: unknown) => {
    throw renamed(error, file, name);
  });
  try {
    const out = new Map<string, Listed>();
    for (const entry of await image.list()) {
      if (entry.path === '') continue;
      const meta = { kind: entry.kind, mode: entry.mode, uid: entry.uid, gid: entry.gid, mtime: entry.mtime };
      if (entry.kind === 'file') {
        await addFile(out, entry.path, meta, image.createReadStream(entry.path), ctx);
      } else if (entry.kind === 'symlink') {
        out.set(entry.path, { ...meta, target: entry.target ?? '' });
      } else if (entry.rdev !== undefined) {
        out.set(entry.path, { ...meta, device: `${entry.rdev.major},${entry.rdev.minor}` });
      } else {
        out.set(entry.path, meta);
      }
    }
    return out;
  } catch (error) {
    throw renamed(error, file, name);
  } finally {
    await image.close();
  }
}

/** A nested image's errors name it as its container does (`OUTER:/INNER`), not by its spooled copy. */
function renamed(error: unknown, file: string, name: string): unknown {
  if (!(error instanceof SquashfsError) || name === file || !error.message.startsWith(`${file}: `)) return error;
  return new SquashfsError(`${name}: ${error.message.slice(file.length + 2)}`, { cause: error });
}
