import { readFile } from 'node:fs/promises';
import type { ArchiveEntry } from '../archive/entry.js';
import type { CachedFile } from '../fetch/cache.js';
import { allSettled, runPool } from '../fetch/pool.js';
import { bufferEntry, fileEntry } from '../overlay/entries.js';
import type { ExtensionSet } from '../plan/plan.js';
import { canonicalCycle, depClosure, describeCycle } from '../tce/closure.js';
import { formatDepFile, hasKernel, parseDepNames, substituteKernel } from '../tce/deps.js';
import { parseMd5Txt } from '../tce/md5.js';
import { type ExtensionFile, extensionFileName, extensionUrl } from '../tce/mirror.js';
import type { RunFetcher } from './fetcher.js';

export interface ExtensionContext {
  readonly fetcher: RunFetcher;
  readonly tczUrl: string;
  /** The Core's kernel version, for `-KERNEL` names: known once the Core ISO is in. */
  readonly kernelVersion: Promise<string>;
  readonly followDeps: boolean;
  readonly jobs: number;
  readonly mtime: number;
  /** Names never fetched (prod's openssh), even as a dependency. */
  readonly excluded: readonly string[];
  readonly warn: (message: string) => void;
  /**
   * The loops warned about in this run: a loop is in the mirror's `.dep`
   * files, and both lists' walks may meet it; it is one warning.
   */
  readonly loopsWarned: Set<string>;
}

export interface FetchedSet {
  readonly entries: ArchiveEntry[];
  /** Every extension fetched: the requested ones and their deps, in fetch order. */
  readonly names: readonly string[];
}

/**
 * The `.dep` text of a name the closure reaches, or null (none). A name the
 * set will fetch has its `.md5.txt` asked for alongside: a name missing from
 * the mirror fails the run now, not once the closure is done.
 */
async function depText(set: ExtensionSet, ctx: ExtensionContext, name: string): Promise<string | null> {
  const fetched = !ctx.excluded.includes(name) && !set.debs.some((deb) => deb.name === name);
  const [dep] = await allSettled([
    ctx.fetcher.optional(extensionUrl(ctx.tczUrl, name, 'dep'), 'metadata'),
    fetched ? ctx.fetcher.text(extensionUrl(ctx.tczUrl, name, 'md5.txt')) : Promise.resolve(''),
  ]);
  return dep === null ? null : readFile(dep.path, 'utf8');
}

/** The names to fetch: the list itself, or with `.dep` closure (tce-load's walk). */
async function namesToFetch(set: ExtensionSet, ctx: ExtensionContext): Promise<string[]> {
  if (!ctx.followDeps) return [...set.names];
  const closure = await depClosure(set.names, (name) => depText(set, ctx, name), {
    kernelVersion: ctx.kernelVersion,
    concurrency: ctx.jobs,
  });
  for (const cycle of closure.cycles) {
    const warning = describeCycle(canonicalCycle(cycle));
    if (ctx.loopsWarned.has(warning)) continue;
    ctx.loopsWarned.add(warning);
    ctx.warn(warning);
  }
  // A dependency on a `.tcz` the set makes from a `.deb` is met by it, not fetched from the mirror.
  const made = new Set(set.debs.map((deb) => deb.name));
  return closure.discoveryOrder.filter((name) => {
    if (made.has(name)) return false;
    if (!ctx.excluded.includes(name)) return true;
    ctx.warn(`${name} is a dependency in the ${set.list} list; left out of a prod image`);
    return false;
  });
}

/** `NAME.tcz`, checked against its `.md5.txt` before the cache keeps it. */
export async function fetchVerifiedTcz(fetcher: RunFetcher, tczUrl: string, name: string): Promise<CachedFile> {
  const md5Url = extensionUrl(tczUrl, name, 'md5.txt');
  const md5 = parseMd5Txt(await fetcher.text(md5Url), name, md5Url);
  return fetcher.file(extensionUrl(tczUrl, name, 'tcz'), 'payload', { md5 });
}

async function fetchOne(set: ExtensionSet, ctx: ExtensionContext, name: string): Promise<ArchiveEntry[]> {
  const url = (file: ExtensionFile) => extensionUrl(ctx.tczUrl, name, file);
  const tcz = await fetchVerifiedTcz(ctx.fetcher, ctx.tczUrl, name);
  const entries: ArchiveEntry[] = [];
  for (const file of set.files) {
    const path = `${set.dir}/${extensionFileName(name, file)}`;
    if (file === 'dep') {
      const dep = await shippedDep(ctx, url(file));
      if (dep !== undefined) entries.push(bufferEntry(path, dep, 0o644, ctx.mtime));
      continue;
    }
    const got = file === 'tcz' ? tcz : await ctx.fetcher.file(url(file), 'metadata');
    entries.push(fileEntry(path, { from: 'path', path: got.path }, got.size, 0o644, ctx.mtime));
  }
  return entries;
}

/**
 * The `.dep` file the image carries: rewritten so the real tce-load reads
 * the names mkbundle read, without the names a prod image leaves out
 * (tce-load would stop at the missing file). None when no deps remain.
 */
async function shippedDep(ctx: ExtensionContext, url: string): Promise<string | undefined> {
  const got = await ctx.fetcher.optional(url, 'metadata');
  if (got === null) return undefined;
  const written = parseDepNames(await readFile(got.path, 'utf8'), url);
  // Only a KERNEL name needs the version to be compared with the excluded ones.
  const version = written.some(hasKernel) ? await ctx.kernelVersion : '';
  const names = written.filter((dep) => !ctx.excluded.includes(substituteKernel(dep, version)));
  return names.length === 0 ? undefined : formatDepFile(names);
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
    { jobs: ctx.jobs, failFast: ctx.fetcher.run },
  );
  return { entries: perName.flat(), names };
}
