import { readFile } from 'node:fs/promises';
import type { ArchiveEntry } from '../archive/entry.js';
import { runPool } from '../fetch/pool.js';
import { parseGemList } from '../gems/gem-list.js';
import { type ResolvedGem, resolveGems } from '../gems/resolve.js';
import { compactIndexSource } from '../gems/source.js';
import { fileEntry } from '../overlay/entries.js';
import type { RunFetcher } from './fetcher.js';

export interface FetchedGems {
  readonly entries: ArchiveEntry[];
  readonly gems: readonly ResolvedGem[];
}

/**
 * Resolves `gem.list` against the gem server's compact index (latest
 * release satisfying each requirement, then runtime deps) and fetches each
 * `.gem` into `dir`, checked against the index's SHA-256.
 */
export async function fetchGems(
  gemList: string,
  gemSource: string,
  fetcher: RunFetcher,
  options: { readonly jobs: number; readonly mtime: number; readonly dir: string },
): Promise<FetchedGems> {
  const requests = parseGemList(await readFile(gemList, 'utf8'), gemList);
  const gems = await resolveGems(
    requests,
    compactIndexSource(gemSource, (url) => fetcher.text(url)),
  );
  const entries = await runPool(
    gems.map((gem) => async () => {
      const file = await fetcher.file(gem.url, { sha256: gem.sha256 });
      return fileEntry(
        `${options.dir}/${gem.file}`,
        { from: 'path', path: file.path },
        file.size,
        0o644,
        options.mtime,
      );
    }),
    { jobs: options.jobs },
  );
  return { entries, gems };
}
