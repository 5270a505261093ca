import { join } from 'node:path';
import { execa } from 'execa';
import { fetchDeb } from './debs.js';

export interface Busybox {
  readonly version: string;
  /** The static binary. */
  readonly binary: string;
  /** Applet paths without a leading `/`, as `busybox --list-full` prints them (`bin/sh`, `sbin/init`, …). */
  readonly applets: readonly string[];
}

/** Debian's busybox-static (unpacked in the cache, so the host's own busybox does not matter). */
export async function fetchBusybox(cacheDir: string): Promise<Busybox> {
  const deb = await fetchDeb('busybox-static', cacheDir);
  const binary = join(deb.root, 'bin', 'busybox');
  const { stdout } = await execa(binary, ['--list-full']);
  return { version: deb.version, binary, applets: stdout.split('\n').filter(Boolean) };
}
