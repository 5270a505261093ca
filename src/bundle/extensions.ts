import { readFile } from 'node:fs/promises';
import type { ArchiveEntry } from '../archive/entry.js';
import type { CachedFile } from '../fetch/cache.js';
import { runPool } from '../fetch/pool.js';
import { fileEntry } from '../overlay/entries.js';
import type { ExtensionSet } from '../plan/plan.js';
import { depClosure, describeCycle } from '../tce/closure.js';
import { parseDepFile } from '../tce/deps.js';
import { parseMd5Txt } from '../tce/md5.js';
import { type ExtensionFile, extensionFileName, extensionUrl } from '../tce/mirror.js';
import type { RunFetcher } from './fetcher.js';

export interface ExtensionContext {
  readonly fetcher: RunFetcher;
  readonly tczUrl: string;
  readonly kernelVersion: string;
  readonly followDeps: boolean;
  readonly jobs: number;
  readonly mtime: number;
  /** Names never fetched (prod's openssh), even as a dependency. */
  readonly excluded: readonly string[];
  readonly warn: (message: string) => void;
}

export interface FetchedSet {
  readonly entries: ArchiveEntry[];
  /** Every extension fetched: the requested ones and their deps, in fetch order. */
  readonly names: readonly string[];
}

async function depText(ctx: ExtensionContext, name: string): Promise<string | null> {
  const dep = await ctx.fetcher.optional(extensionUrl(ctx.tczUrl, name, 'dep'));
  return dep === null ? null : readFile(dep.path, 'utf8');
}

/** The names to fetch: the list itself, or with `.dep` closure (tce-load's walk). */
async function namesToFetch(set: ExtensionSet, ctx: ExtensionContext): Promise<string[]> {
  if (!ctx.followDeps) return [...set.names];
  const closure = await depClosure(set.names, (name) => depText(ctx, name), {
    kernelVersion: ctx.kernelVersion,
    concurrency: ctx.jobs,
  });
  for (const cycle of closure.cycles) ctx.warn(`${set.list} list: ${describeCycle(cycle)}`);
  return closure.discoveryOrder.filter((name) => {
    if (!ctx.excluded.includes(name)) return true;
    ctx.warn(`${name} is a dependency in the ${set.list} list; left out of a prod image`);
    return false;
  });
}

/** `NAME.tcz`, checked against its `.md5.txt` before the cache keeps it. */
export async function fetchVerifiedTcz(fetcher: RunFetcher, tczUrl: string, name: string): Promise<CachedFile> {
  const md5Url = extensionUrl(tczUrl, name, 'md5.txt');
  const md5 = parseMd5Txt(await fetcher.text(md5Url), name, md5Url);
  return fetcher.file(extensionUrl(tczUrl, name, 'tcz'), { md5 });
}

async function fetchOne(set: ExtensionSet, ctx: ExtensionContext, name: string): Promise<ArchiveEntry[]> {
  const url = (file: ExtensionFile) => extensionUrl(ctx.tczUrl, name, file);
  const tcz = await fetchVerifiedTcz(ctx.fetcher, ctx.tczUrl, name);
  const entries: ArchiveEntry[] = [];
  for (const file of set.files) {
    const got =
      file === 'tcz' ? tcz : file === 'dep' ? await ctx.fetcher.optional(url(file)) : await ctx.fetcher.file(url(file));
    if (got === null) continue;
    if (file === 'dep') parseDepFile(await readFile(got.path, 'utf8'), ctx.kernelVersion, url(file));
    const path = `${set.dir}/${extensionFileName(name, file)}`;
    entries.push(fileEntry(path, { from: 'path', path: got.path }, got.size, 0o644, ctx.mtime));
  }
  return entries;
}

/**
 * Fetches every extension of a set (with its companions and, unless
 * --no-deps, its dependency closure) into overlay entries. Each `.tcz` is
 * checked against its `.md5.txt` before the cache keeps it.
 */
export async function fetchExtensionSet(set: ExtensionSet, ctx: ExtensionContext): Promise<FetchedSet> {
  const names = await namesToFetch(set, ctx);
  const perName = await runPool(
    names.map((name) => () => fetchOne(set, ctx, name)),
    { jobs: ctx.jobs },
  );
  return { entries: perName.flat(), names };
}
