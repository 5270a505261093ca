import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { Apt } from './apt.js';
import { cachedDir } from './cache.js';

export interface UnpackedDeb {
  readonly name: string;
  readonly version: string;
  /** The package's files, as `dpkg-deb -x` unpacked them. */
  readonly root: string;
  /** The downloaded `.deb` itself. */
  readonly deb: string;
}

/**
 * The candidate version of a Debian package, fetched with `apt-get download`
 * and unpacked with `dpkg-deb -x` (neither needs root) into
 * `CACHE/debs/NAME_VERSION/`, once per version.
 */
export async function fetchDeb(name: string, cacheDir: string): Promise<UnpackedDeb> {
  const apt = new Apt(cacheDir);
  const version = await apt.candidateVersion(name);
  const dir = join(cacheDir, 'debs', `${name}_${version.replaceAll(':', '%3a')}`);
  await cachedDir(dir, async (tmp) => {
    const deb = await apt.download(name, version, tmp);
    await execa('dpkg-deb', ['-x', deb, join(tmp, 'root')]);
  });
  const deb = (await readdir(dir)).find((f) => f.endsWith('.deb'));
  if (deb === undefined) throw new Error(`${dir} holds no .deb`);
  return { name, version, root: join(dir, 'root'), deb: join(dir, deb) };
}
