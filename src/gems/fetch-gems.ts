import { createHash } from 'node:crypto';
import { IntegrityError } from '../errors.js';
import type { ResolvedGem } from './resolve.js';

/** Downloads a URL whole; rejects with a FetchError naming the URL. Bounds its own parallelism. */
export type Download = (url: string) => Promise<Uint8Array>;

export interface FetchedGem extends ResolvedGem {
  readonly data: Uint8Array;
}

/** Throws unless `data` has the SHA-256 the index gave for the gem. */
export function verifyGem(gem: ResolvedGem, data: Uint8Array): void {
  const actual = createHash('sha256').update(data).digest('hex');
  if (actual !== gem.sha256) {
    throw new IntegrityError(
      `sha256 mismatch for ${gem.url}: the index says ${gem.sha256}, the download has ${actual}`,
    );
  }
}

/** Downloads and verifies every gem; results keep the order of `gems`. */
export function fetchGems(gems: readonly ResolvedGem[], download: Download): Promise<FetchedGem[]> {
  return Promise.all(
    gems.map(async (gem) => {
      const data = await download(gem.url);
      verifyGem(gem, data);
      return { ...gem, data };
    }),
  );
}
