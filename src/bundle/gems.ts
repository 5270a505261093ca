import { readFile } from 'node:fs/promises';
import type { ArchiveEntry } from '../archive/entry.js';
import { runPool } from '../fetch/pool.js';
import type { DownloadKind } from '../fetch/size-limit.js';
import { parseGemList } from '../gems/gem-list.js';
import { buildLegacyIndex } from '../gems/legacy-index.js';
import { detectGemSource } from '../gems/legacy-source.js';
import { type ResolvedGem, resolveGems } from '../gems/resolve.js';
import { bufferEntry, fileEntry } from '../overlay/entries.js';
import type { RunFetcher } from './fetcher.js';

export interface FetchedGems {
  readonly entries: ArchiveEntry[];
  readonly gems: readonly ResolvedGem[];
}

export interface GemOptions {
  readonly jobs: number;
  readonly mtime: number;
  /** Where the `.gem` files land. */
  readonly dir: string;
  /** The gem mirror's root, to get the legacy index RubyGems 1.8 reads (2013); none for 2012. */
  readonly mirrorIndex: string | undefined;
  /** --frozen: the lock's version of each gem, instead of the newest that fits. */
  readonly lockedVersion?: (name: string) => string;
}

/**
 * Resolves `gem.list` against the gem server (compact index, else the
 * legacy Marshal index) — the latest release satisfying each requirement,
 * then runtime deps — and fetches each `.gem` into `dir`, checked against
 * the compact index's SHA-256 where there is one (a legacy index has none:
 * those gems are `unverified`, and the run's warning says so). For the 2013 gem mirror
 * the legacy index of those gems is written beside them.
 */
export async function fetchGems(
  gemList: string,
  gemSource: string,
  fetcher: RunFetcher,
  options: GemOptions,
): Promise<FetchedGems> {
  const requests = parseGemList(await readFile(gemList, 'utf8'), gemList);
  // Everything the gem server's index says is live: the `.gem` files picked from it are what is locked.
  const bytes = async (url: string, kind: DownloadKind) => readFile((await fetcher.index(url, kind)).path);
  const source = await detectGemSource(gemSource, bytes, { ...(requests[0] ? { probe: requests[0].name } : {}) });
  const gems = await resolveGems(
    requests,
    source,
    options.lockedVersion === undefined ? {} : { lockedVersion: options.lockedVersion },
  );
  const files = await runPool(
    gems.map((gem) => async () => ({
      gem,
      file: await fetcher.file(
        gem.url,
        'payload',
        gem.sha256 === undefined ? undefined : { expect: { sha256: gem.sha256 }, verified: 'index-sha256' },
      ),
    })),
    { jobs: options.jobs, failFast: fetcher.run },
  );
  const entries = files.map(({ gem, file }) =>
    fileEntry(`${options.dir}/${gem.file}`, { from: 'path', path: file.path }, file.size, 0o644, options.mtime),
  );
  if (options.mirrorIndex !== undefined) {
    const index = await buildLegacyIndex(files.map(({ gem, file }) => ({ name: gem.file, source: file.path })));
    for (const [path, body] of index)
      entries.push(bufferEntry(`${options.mirrorIndex}/${path}`, body, 0o644, options.mtime));
  }
  return { entries, gems };
}
