import { readFile } from 'node:fs/promises';
import type { CachedFile } from '../fetch/cache.js';
import type { TarballDownload } from '../plan/plan.js';
import { parseMd5Txt } from '../tce/md5.js';
import { isoMd5Url } from '../tce/mirror.js';
import type { Check, RunFetcher, Verified } from './fetcher.js';

/** A tarball (RubyGems, MCollective, open-vm-tools): held to its pin, when one is given. */
export function fetchTarball(fetcher: RunFetcher, download: TarballDownload): Promise<CachedFile> {
  const { sha256 } = download;
  return fetcher.file(
    download.url,
    'payload',
    sha256 === undefined ? undefined : { expect: { sha256 }, verified: 'pinned' },
  );
}

/**
 * The Core ISO, held before the cache stores it to its pin and to the
 * md5.txt the mirror publishes beside it; a mirror (or directory) without
 * one leaves an unpinned ISO unverified. The md5.txt is asked for first,
 * as a chain request, and the ISO at once after it: the ISO waits for it
 * only to judge its body, and even with `--jobs 1` its slot comes first.
 * A bad md5.txt fails the run at once, not once the ISO is in.
 */
export function fetchCoreIso(fetcher: RunFetcher, iso: TarballDownload): Promise<CachedFile> {
  const md5Url = isoMd5Url(iso.url);
  const check = fetcher.optional(md5Url, 'metadata').then(async (found): Promise<Check> => {
    const md5 = found === null ? undefined : parseMd5Txt(await readFile(found.path, 'utf8'), iso.file, md5Url);
    const verified: Verified = iso.sha256 !== undefined ? 'pinned' : md5 !== undefined ? 'md5.txt' : 'unverified';
    return {
      expect: { ...(iso.sha256 === undefined ? {} : { sha256: iso.sha256 }), ...(md5 === undefined ? {} : { md5 }) },
      verified,
    };
  });
  check.catch((error: unknown) => fetcher.run.fail(error));
  return fetcher.file(iso.url, 'payload', check);
}
