/**
 * The runs using a cache directory now, so that `cache prune` never takes
 * what one of them may still read. A process that opens a cache writes
 * `runs/<owner tag>-<hex>.part` before it reads or stores anything there,
 * and removes it when it exits. The marker's mtime is when the run began,
 * by the file system's clock: every blob and index entry the run stores or
 * touches afterwards has a later mtime (cache.ts), so a file older than the
 * oldest live run's marker is one no live run can be using. The markers of
 * runs killed outright are swept like temp files (files.ts, owner.ts), and
 * so is one older than a day: a run is done with the cache by then, as the
 * temp sweep assumes.
 */
import { rmSync } from 'node:fs';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isCode } from '../errno.js';
import { makeDirs } from '../output/dir.js';
import { isLeftOver, STALE_TEMP_MS, sweepStale, tempName } from './files.js';

/** This process's markers, by cache directory. */
const registered = new Map<string, Promise<void>>();
const markers: string[] = [];

export function runsDir(cacheDir: string): string {
  return join(cacheDir, 'runs');
}

/**
 * Marks this process as a run using `cacheDir`, once per process, after
 * sweeping ended runs' markers. A cache this process cannot write (a
 * read-only one, another user's) gets no marker and the run goes on, as it
 * did before markers: it stores nothing there and cannot record its uses
 * either, so a prune by someone who can write it does not see this run.
 */
export function registerRun(cacheDir: string): Promise<void> {
  let done = registered.get(cacheDir);
  if (done === undefined) {
    done = (async () => {
      const dir = runsDir(cacheDir);
      const marker = tempName(dir);
      try {
        await makeDirs(dir);
        await sweepEndedRuns(cacheDir);
        await writeFile(marker, '');
      } catch {
        return;
      }
      if (markers.length === 0) process.once('exit', () => removeMarkers());
      markers.push(marker);
    })();
    registered.set(cacheDir, done);
  }
  return done;
}

/** Removes the markers of runs that have ended (or are over a day old). */
export async function sweepEndedRuns(cacheDir: string): Promise<void> {
  try {
    await sweepStale(runsDir(cacheDir), STALE_TEMP_MS);
  } catch (err) {
    if (!isCode(err, 'ENOENT')) throw err;
  }
}

function removeMarkers(): void {
  for (const marker of markers) rmSync(marker, { force: true });
}

export interface LiveRuns {
  readonly count: number;
  /** The oldest live run's marker mtime (ms), when there is one. */
  readonly since: number | undefined;
}

/** The runs using `cacheDir` now; a marker that is not clearly a left-over counts as live. */
export async function liveRuns(cacheDir: string, now: number = Date.now()): Promise<LiveRuns> {
  const dir = runsDir(cacheDir);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (isCode(err, 'ENOENT')) return { count: 0, since: undefined };
    throw err;
  }
  let count = 0;
  let since: number | undefined;
  for (const name of names) {
    try {
      const info = await stat(join(dir, name));
      if (await isLeftOver(name, info, STALE_TEMP_MS, now)) continue;
      count += 1;
      since = Math.min(since ?? info.mtimeMs, info.mtimeMs);
    } catch (err) {
      // Its run ended meanwhile.
      if (!isCode(err, 'ENOENT')) throw err;
    }
  }
  return { count, since };
}
