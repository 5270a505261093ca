import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `MKBUNDLE_WORLD_CACHE`, else the project's `.cache/test-world`, else the system temp dir. */
export function worldCacheRoot(): string {
  const override = process.env.MKBUNDLE_WORLD_CACHE;
  if (override) return override;
  for (let at = dirname(fileURLToPath(import.meta.url)); at !== dirname(at); at = dirname(at)) {
    if (existsSync(join(at, 'package.json'))) return join(at, '.cache', 'test-world');
  }
  return join(tmpdir(), 'mkbundle-test-world');
}

const building = new Map<string, Promise<string>>();

/**
 * The directory `name` (a content key) in the world cache, made by `build`
 * on first use. It is built under a temporary name and renamed into place,
 * so a directory under its final name is always complete; when another
 * process wins the race, its result is used.
 */
export function cachedDir(name: string, build: (dir: string) => Promise<void>): Promise<string> {
  const root = worldCacheRoot();
  const final = join(root, name);
  let pending = building.get(final);
  if (!pending) {
    pending = (async () => {
      if (existsSync(final)) return final;
      await mkdir(root, { recursive: true });
      const temp = join(root, `.tmp-${name}-${randomBytes(6).toString('hex')}`);
      try {
        await build(temp);
        await rename(temp, final);
      } catch (error) {
        if (!existsSync(final)) throw error;
      } finally {
        await rm(temp, { recursive: true, force: true });
      }
      return final;
    })();
    building.set(final, pending);
    // A failed build may be retried by a later call.
    pending.catch(() => building.delete(final));
  }
  return pending;
}
