import { posix } from 'node:path';

/**
 * Tiny Core's `lib/modules/KVER/kernel.tclocal` points at
 * `/usr/local/lib/modules/KVER/kernel`; inside the image an absolute link
 * works, but a host `depmod -b ROOT` resolves it against the host. The
 * original rebuild_iso.sh made it relative; so do we.
 */
export function isTclocal(path: string): boolean {
  return /^lib\/modules\/[^/]+\/kernel\.tclocal$/.test(path);
}

/** The same target as a path relative to the link's directory. */
export function relativeTarget(linkPath: string, target: string): string {
  if (!target.startsWith('/')) return target;
  return posix.relative(posix.dirname(`/${linkPath}`), posix.normalize(target)) || '.';
}
