import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { cachedDir, hashFile, hashParts } from './cache.js';
import { type ArchiveEntry, fileFrom } from './entries.js';
import { GUEST_DIR } from './paths.js';

/*
 * What Tiny Core's scripts call that a Debian kernel with busybox-static
 * lacks, each as small as it can be (the README lists them with why).
 */

/** guest/sudo.c built static (the guest has no libc): setuid needs a binary, not a script. */
async function buildSudo(cacheDir: string): Promise<string> {
  const source = join(GUEST_DIR, 'sudo.c');
  const { stdout: gcc } = await execa('gcc', ['--version']);
  const { stdout: libc } = await execa('gcc', ['-print-file-name=libc.a']);
  const key = hashParts([await readFile(source), gcc, await hashFile(libc)]);
  const dir = await cachedDir(join(cacheDir, 'sudo', key), async (tmp) => {
    await execa('gcc', ['-static', '-Os', '-s', '-Wl,--build-id=none', '-o', join(tmp, 'sudo'), source]);
  });
  return join(dir, 'sudo');
}

const guest = (name: string, to: string): Promise<ArchiveEntry> => fileFrom(to, join(GUEST_DIR, name), 0o755);

/** `sbin/udevd`, `sbin/udevadm` (busybox mdev), `usr/bin/rotdash`, `usr/bin/autoscan-devices`, `usr/bin/sudo`. */
export async function standInEntries(cacheDir: string): Promise<ArchiveEntry[]> {
  return [
    await guest('udevd', 'sbin/udevd'),
    await guest('udevadm', 'sbin/udevadm'),
    await fileFrom('etc/mdev.conf', join(GUEST_DIR, 'mdev.conf')),
    await guest('rotdash', 'usr/bin/rotdash'),
    await guest('autoscan-devices', 'usr/bin/autoscan-devices'),
    // Setuid as in Core's core.gz (tc-config sets it again).
    await fileFrom('usr/bin/sudo', await buildSudo(cacheDir), 0o4755),
  ];
}
