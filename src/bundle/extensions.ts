import { readFile } from 'node:fs/promises';
import type { ArchiveEntry } from '../archive/entry.js';
import type { CachedFile } from '../fetch/cache.js';
import { allSettled } from '../fetch/pool.js';
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

/** A name the set fetches from the mirror: not left out (prod's openssh), not made from a `.deb`. */
const isFetched = (set: ExtensionSet, ctx: ExtensionContext, name: string): boolean =>
  !ctx.excluded.includes(name) && !set.debs.some((deb) => deb.name === name);

/**
 * The `.dep` text of a name the closure reaches, or null (none). A name the
 * set will fetch has its `.md5.txt` asked for alongside (the same request its
 * `.tcz` waits for): a name missing from the mirror fails the walk now.
 */
async function depText(set: ExtensionSet, ctx: ExtensionContext, name: string): Promise<string | null> {
  const [dep] = await allSettled([
    ctx.fetcher.optional(extensionUrl(ctx.tczUrl, name, 'dep'), 'metadata'),
    isFetched(set, ctx, name) ? ctx.fetcher.text(extensionUrl(ctx.tczUrl, name, 'md5.txt')) : Promise.resolve(''),
  ]);
  return dep === null ? null : readFile(dep.path, 'utf8');
}

/**
 * The names to fetch: the list itself, or with `.dep` closure (tce-load's
 * walk). `reached` is told each name as soon as the walk finds it.
 */
async function namesToFetch(
  set: ExtensionSet,
  ctx: ExtensionContext,
  reached: (name: string) => void,
): Promise<string[]> {
  if (!ctx.followDeps) {
    for (const name of set.names) reached(name);
    return [...set.names];
  }
  const closure = await depClosure(set.names, (name) => depText(set, ctx, name), {
    kernelVersion: ctx.kernelVersion,
    concurrency: ctx.jobs,
    onName: reached,
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
  return fetcher.file(extensionUrl(tczUrl, name, 'tcz'), 'payload', { expect: { md5 }, verified: 'md5.txt' });
}

/** One extension's entries, in the order of `set.files`; its files are asked for at once. */
async function fetchOne(set: ExtensionSet, ctx: ExtensionContext, name: string): Promise<ArchiveEntry[]> {
  const url = (file: ExtensionFile) => extensionUrl(ctx.tczUrl, name, file);
  // Checked whether or not the set ships the .tcz itself.
  const tcz = fetchVerifiedTcz(ctx.fetcher, ctx.tczUrl, name);
  const entry = async (file: ExtensionFile): Promise<ArchiveEntry | undefined> => {
    const path = `${set.dir}/${extensionFileName(name, file)}`;
    if (file === 'dep') {
      const dep = await shippedDep(ctx, name);
      return dep === undefined ? undefined : bufferEntry(path, dep, 0o644, ctx.mtime);
    }
    const got = file === 'tcz' ? await tcz : await ctx.fetcher.companion(url(file));
    return fileEntry(path, { from: 'path', path: got.path }, got.size, 0o644, ctx.mtime);
  };
  const [, ...entries] = await allSettled<[CachedFile, ...(ArchiveEntry | undefined)[]]>([
    tcz,
    ...set.files.map(entry),
  ]);
  return entries.filter((e) => e !== undefined);
}

/**
 * The `.dep` file the image carries: rewritten so the real tce-load reads
 * the names mkbundle read, without the names a prod image leaves out
 * (tce-load would stop at the missing file). None when no deps remain.
 */
async function shippedDep(ctx: ExtensionContext, name: string): Promise<string | undefined> {
  const got = await ctx.fetcher.optional(extensionUrl(ctx.tczUrl, name, 'dep'), 'metadata');
  if (got === null) return undefined;
  // Named as the walk names it: whichever of the two reads it first, a bad line gives the same message.
  const written = parseDepNames(await readFile(got.path, 'utf8'), `${name}.dep`);
  // Only a KERNEL name needs the version to be compared with the excluded ones.
  const version = written.some(hasKernel) ? await ctx.kernelVersion : '';
  const names = written.filter((dep) => !ctx.excluded.includes(substituteKernel(dep, version)));
  return names.length === 0 ? undefined : formatDepFile(names);
}

/**
 * Fetches every extension of a set (with its companions and, unless
 * --no-deps, its dependency closure) into overlay entries. Each name's
 * files are asked for as soon as the walk reaches it, not once the closure
 * is complete; RunFetcher bounds the requests in flight. The first failure
 * fails the run at once (so the walk and the other downloads stop), and
 * nothing is left running when this returns or throws. Entries come in
 * discovery order whatever order the answers came in.
 */
export async function fetchExtensionSet(set: ExtensionSet, ctx: ExtensionContext): Promise<FetchedSet> {
  const started = new Map<string, Promise<ArchiveEntry[]>>();
  const begin = (name: string): Promise<ArchiveEntry[]> => {
    let entries = started.get(name);
    if (entries === undefined) {
      entries = fetchOne(set, ctx, name);
      entries.catch((error: unknown) => ctx.fetcher.run.fail(error));
      started.set(name, entries);
    }
    return entries;
  };
  let names: string[];
  try {
    names = await namesToFetch(set, ctx, (name) => {
      if (isFetched(set, ctx, name)) begin(name);
    });
  } catch (error) {
    await Promise.allSettled(started.values());
    throw ctx.fetcher.run.blame(error);
  }
  const perName = await allSettled<ArchiveEntry[][]>(names.map(begin), ctx.fetcher.run);
  return { entries: perName.flat(), names };
}
