import { quoted } from '../config/quote.js';
import type { EntryKind } from './entry.js';
import { ancestors, entryError, ROOT_PATH } from './safe-path.js';

/**
 * Remembers what an archive has put where, so that readers can refuse
 * entries that would be written through a symlink the same archive created
 * earlier (`link -> /etc`, then `link/passwd`) and hard links to names the
 * archive never held as regular files.
 */
export class PathGuard {
  readonly #kinds = new Map<string, EntryKind>();
  readonly #symlinkTargets = new Map<string, string>();

  constructor(private readonly archive: string) {}

  /** Refuses `path` if it lies under an earlier symlink or replaces one with a directory. */
  check(path: string, kind: EntryKind): void {
    for (const dir of ancestors(path)) {
      const target = this.#symlinkTargets.get(dir);
      if (target !== undefined) {
        throw entryError(this.archive, path, `written through symlink ${quoted(dir)} -> ${quoted(target)}`);
      }
    }
    if (kind === 'dir' && this.#symlinkTargets.has(path)) {
      throw entryError(this.archive, path, 'directory replaces a symlink of the same archive');
    }
  }

  /** Refuses a hard link whose target is not a regular file seen earlier. */
  checkHardlink(path: string, target: string): void {
    const kind = this.#kinds.get(target);
    if (kind !== 'file' && kind !== 'hardlink') {
      throw entryError(this.archive, path, `hard link target ${quoted(target)} is not a file of the archive`);
    }
  }

  record(path: string, kind: EntryKind, symlinkTarget?: string): void {
    if (path === ROOT_PATH) return;
    this.#kinds.set(path, kind);
    if (symlinkTarget === undefined) this.#symlinkTargets.delete(path);
    else this.#symlinkTargets.set(path, symlinkTarget);
  }
}
