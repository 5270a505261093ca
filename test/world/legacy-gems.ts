/**
 * The legacy (Marshal) index of the gem world, the one `gem fetch` and the
 * 2013 tree's `bin/mirror-gem` read: `specs.4.8.gz`, `latest_specs.4.8.gz`,
 * `prerelease_specs.4.8.gz` and `quick/Marshal.4.8/NAME.gemspec.rz`. Made by
 * Debian's real `gem generate_index` over the world's `.gem` files, once per
 * gem set (cached in the world cache), so Ruby is the peer that says what
 * the index holds. Served beside the compact index, as rubygems.org does.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { execa } from 'execa';
import { cachedDir } from './tinycore-cache.js';

/** Route (below the gem prefix) → body of every index file `gem generate_index` wrote. */
export async function buildLegacyGemIndex(gems: ReadonlyMap<string, Buffer>): Promise<Map<string, Buffer>> {
  const { stdout: gemVersion } = await execa('ruby', ['-e', 'print Gem::VERSION'], { env: { LC_ALL: 'C' } });
  const key = createHash('sha256').update(`legacy-gems 1\n${gemVersion}\n`);
  const files = [...gems].sort(([a], [b]) => (a < b ? -1 : 1));
  for (const [file, body] of files) key.update(`${file}\n${body.length}\n`).update(body);

  const index = await cachedDir(`legacy-gems-${key.digest('hex').slice(0, 24)}`, async (out) => {
    await mkdir(join(out, 'gems'), { recursive: true });
    for (const [file, body] of files) await writeFile(join(out, 'gems', file), body);
    // A HOME of its own: no user's .gemrc changes what is generated.
    const home = await mkdtemp(join(tmpdir(), 'mkworld-gem-home-'));
    try {
      await execa('gem', ['generate_index', '--directory', out], { env: { HOME: home, LC_ALL: 'C' } });
    } finally {
      await rm(home, { recursive: true, force: true });
    }
    await rm(join(out, 'gems'), { recursive: true });
  });

  const routes = new Map<string, Buffer>();
  for (const entry of await readdir(index, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    routes.set(`/${relative(index, path)}`, await readFile(path));
  }
  if (!routes.has('/specs.4.8.gz')) throw new Error(`test world: gem generate_index wrote no specs.4.8.gz in ${index}`);
  return new Map([...routes].sort(([a], [b]) => (a < b ? -1 : 1)));
}
