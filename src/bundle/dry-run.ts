import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BundleOptions } from '../config/options.js';
import { type SettingRow, settingRows } from '../config/origins.js';
import { DownloadCache, defaultCacheDir, probeCacheDir } from '../fetch/cache.js';
import type { HttpClient } from '../fetch/http.js';
import { SUMS_NAME } from '../output/sha256sums.js';
import { type PlannedInput, plannedInputs } from '../plan/inputs.js';
import type { BuildPlan } from '../plan/plan.js';
import { checkBeforeFetching } from './run.js';

/** A planned input, and whether a run with `-r` would take it from the cache. */
export interface CheckedInput extends PlannedInput {
  readonly cached: boolean;
}

/** What `--dry-run` found: where the run would write and read, and what it would fetch. */
export interface DryRun {
  readonly outDir: string;
  readonly cacheDir: string;
  /** The bundle and SHA256SUMS, and whether each would replace a file there now. */
  readonly outputs: readonly {
    readonly kind: 'bundle' | 'sha256sums';
    readonly path: string;
    readonly replaces: boolean;
  }[];
  readonly settings: readonly SettingRow[];
  readonly inputs: readonly CheckedInput[];
}

/** The dry run asks no server: a client that would is a bug. */
const NO_NETWORK: HttpClient = {
  download: () => Promise.reject(new Error('--dry-run made a request')),
  stats: () => ({ requests: 0, retries: 0, notModified: 0, bytesFetched: 0 }),
};

/**
 * `--dry-run`: every check the build makes before its first request (the
 * same functions: `--out`, the source tree, the cache directory; whatever
 * they make is removed again), then what the cache already holds of each
 * input the plan names, read from its index without a request.
 */
export async function dryRun(options: BundleOptions, plan: BuildPlan, env: NodeJS.ProcessEnv): Promise<DryRun> {
  const { undo } = await checkBeforeFetching(options, plan, () => {});
  await undo();
  const cacheDir = resolve(options.cacheDir ?? defaultCacheDir(env, homedir()));
  await probeCacheDir(cacheDir);
  const cache = new DownloadCache({ dir: cacheDir, client: NO_NETWORK });
  const inputs: CheckedInput[] = [];
  for (const input of plannedInputs(plan)) {
    const found = await cache.lookup(input.url, { kind: input.kind, bytes: options.limits[input.kind] });
    inputs.push({ ...input, cached: found === 'present' || (found === 'absent' && input.optional) });
  }
  const outDir = resolve(options.out);
  const outputs = [
    { kind: 'bundle' as const, path: join(outDir, plan.bundleFile) },
    { kind: 'sha256sums' as const, path: join(outDir, SUMS_NAME) },
  ].map((output) => ({ ...output, replaces: existsSync(output.path) }));
  return { outDir, cacheDir, outputs, settings: settingRows(options, plan.tree.era), inputs };
}
