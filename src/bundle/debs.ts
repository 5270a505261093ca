import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArchiveEntry } from '../archive/entry.js';
import type { BundleOptions } from '../config/options.js';
import { debToTcz } from '../deb/deb2tcz.js';
import { findPackage, type PackagesIndex, readPackagesIndex } from '../deb/packages-index.js';
import { IntegrityError } from '../errors.js';
import { allSettled, runPool } from '../fetch/pool.js';
import { bufferEntry, fileEntry } from '../overlay/entries.js';
import type { DebPackage, ExtensionSet } from '../plan/plan.js';
import { formatMd5Txt } from '../tce/md5.js';
import type { Check, RunFetcher } from './fetcher.js';

export interface DebContext {
  readonly fetcher: RunFetcher;
  readonly debian: BundleOptions['debian'];
  readonly jobs: number;
  readonly mtime: number;
  /** Where the made `.tcz` files wait until the overlay is written. */
  readonly staging: string;
}

/** The package indexes, in the order given (the first that lists a package wins). */
export function loadPackageIndexes(fetcher: RunFetcher, urls: readonly string[]): Promise<PackagesIndex[]> {
  return allSettled(urls.map(async (url) => readPackagesIndex((await fetcher.index(url, 'index')).path, url)));
}

/** The URL of a `Filename:` below the archive root (the index reader refuses absolute and `..` paths). */
function poolUrl(mirror: string, filename: string): string {
  return `${mirror.replace(/\/+$/, '')}/${encodeURI(filename)}`;
}

async function fetchDeb(deb: DebPackage, set: ExtensionSet, indexes: readonly PackagesIndex[], ctx: DebContext) {
  const { stanza, index } = findPackage(indexes, deb.package);
  const url = poolUrl(ctx.debian.mirror, stanza.filename);
  // SHA256 when the index has it, else MD5sum, as apt does for old indexes.
  const check: Check | undefined =
    stanza.sha256 !== undefined
      ? { expect: { sha256: stanza.sha256, size: stanza.size }, verified: 'index-sha256' }
      : stanza.md5 !== undefined
        ? { expect: { md5: stanza.md5, size: stanza.size }, verified: 'index-md5' }
        : undefined;
  if (check === undefined) {
    throw new IntegrityError(`${index.url}: package '${deb.package}' has no SHA256 or MD5sum to check ${url} against`);
  }
  const file = await ctx.fetcher.file(url, 'payload', check);
  const dir = join(ctx.staging, 'debs', set.list);
  await mkdir(dir, { recursive: true });
  const tcz = join(dir, deb.name);
  const made = await debToTcz(file.path, tcz, { name: deb.package, mtime: ctx.mtime, scratch: dir });
  return [
    fileEntry(`${set.dir}/${deb.name}`, { from: 'path', path: tcz }, made.size, 0o644, ctx.mtime),
    bufferEntry(`${set.dir}/${deb.name}.md5.txt`, formatMd5Txt(deb.name, made.md5), 0o644, ctx.mtime),
  ];
}

/**
 * The `.deb` entries of a list as `NAME.tcz` + `NAME.tcz.md5.txt` in the
 * set's directory: looked up in the indexes, fetched through the cache and
 * checked against the index, made into a `.tcz` deterministically.
 */
export async function fetchDebSet(
  set: ExtensionSet,
  indexes: readonly PackagesIndex[],
  ctx: DebContext,
): Promise<ArchiveEntry[]> {
  const perDeb = await runPool(
    set.debs.map((deb) => () => fetchDeb(deb, set, indexes, ctx)),
    { jobs: ctx.jobs, failFast: ctx.fetcher.run },
  );
  return perDeb.flat();
}
