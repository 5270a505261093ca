import { join, posix } from 'node:path';
import type { Busybox } from './busybox.js';
import { type ArchiveEntry, device, dir, file, fileFrom, hardlink, symlink } from './entries.js';
import { GROUP, INITTAB, PASSWD, SHADOW, TC_OWNER } from './etc-files.js';
import type { Kernel } from './kernel.js';
import { moduleEntries } from './modules.js';
import { GUEST_DIR } from './paths.js';

/** The modules tc-config loads; both `=m` without dependencies in Debian's kernels. */
export const GUEST_MODULES = ['loop', 'squashfs'] as const;

const DIRS = [
  'bin',
  'dev',
  'etc',
  'etc/init.d',
  'home',
  'lib',
  'mnt',
  'opt',
  'proc',
  'root',
  'run',
  'sbin',
  'sys',
  'usr',
  'usr/bin',
  'usr/sbin',
  'usr/local',
  'usr/local/bin',
  'usr/local/tce.installed',
  'var',
  'var/log',
];

/** Static nodes as Tiny Core's core.gz has them (devtmpfs hides them at run time). */
const DEVICES: readonly ArchiveEntry[] = [
  device('dev/console', 'chardev', 5, 1, 0o600),
  device('dev/null', 'chardev', 1, 3, 0o666),
  device('dev/tty1', 'chardev', 4, 1, 0o620),
  device('dev/ttyS0', 'chardev', 4, 64, 0o660),
  device('dev/ram0', 'blockdev', 1, 0, 0o660),
  ...Array.from({ length: 8 }, (_, n) => device(`dev/loop${n}`, 'blockdev', 7, n, 0o660)),
];

/** The guest's shell scripts live in guest/ beside this module's source, as plain files. */
const guestScript = (name: string, to: string, mode = 0o755): Promise<ArchiveEntry> =>
  fileFrom(to, join(GUEST_DIR, name), mode);

/** Names the rootfs fills itself; busybox's links for them are left out. */
const OWN_NAMES = new Set(['bin/busybox', 'usr/bin/[', 'usr/bin/[[', 'bin/su']);

function appletLinks(busybox: Busybox): ArchiveEntry[] {
  return busybox.applets
    .filter((applet) => !OWN_NAMES.has(applet))
    .map((applet) => symlink(applet, posix.relative(posix.dirname(applet), 'bin/busybox')));
}

/** Adds the missing parent directories (0755, root) so the list describes a complete tree. */
export function withParents(entries: readonly ArchiveEntry[]): ArchiveEntry[] {
  const have = new Set(entries.filter((e) => e.kind === 'dir').map((e) => e.path));
  const out: ArchiveEntry[] = [];
  for (const entry of entries) {
    const parents: string[] = [];
    for (let p = posix.dirname(entry.path); p !== '.' && !have.has(p); p = posix.dirname(p)) parents.unshift(p);
    for (const p of parents) {
      have.add(p);
      out.push(dir(p));
    }
    out.push(entry);
  }
  return out;
}

/**
 * The Tiny Core-shaped root of the bootable world's core.gz, as archive
 * entries (depmod's output is added when the tree is staged: see
 * buildCoreGz's `prepare`). Device nodes, a setuid file, a hard-link pair
 * and the absolute kernel.tclocal symlink are there because real core.gz
 * archives have them and mkbundle must carry them through.
 */
export async function rootfsEntries(kernel: Kernel, busybox: Busybox): Promise<ArchiveEntry[]> {
  const kver = kernel.kver;
  const entries: ArchiveEntry[] = [
    ...DIRS.map((d) => dir(d)),
    dir('tmp', 0o1777),
    dir('home/tc', 0o755, TC_OWNER),
    ...DEVICES,
    await fileFrom('bin/busybox', busybox.binary, 0o755),
    await fileFrom('bin/busybox.suid', busybox.binary, 0o4755),
    symlink('bin/su', 'busybox.suid'),
    ...appletLinks(busybox),
    await guestScript('applet-by-name', 'usr/bin/['),
    hardlink('usr/bin/[[', 'usr/bin/[', 0o755),
    await guestScript('init', 'init'),
    await guestScript('rcS', 'etc/init.d/rcS'),
    await guestScript('tc-config', 'etc/init.d/tc-config'),
    await guestScript('rc.shutdown', 'etc/init.d/rc.shutdown'),
    file('etc/inittab', INITTAB),
    file('etc/passwd', PASSWD),
    file('etc/shadow', SHADOW, 0o600),
    file('etc/group', GROUP),
    file('etc/hostname', 'box\n'),
    await guestScript('autologin', 'sbin/autologin'),
    await guestScript('bootsync.sh', 'opt/bootsync.sh', 0o775),
    ...(await moduleEntries(kernel, GUEST_MODULES)),
    symlink(`lib/modules/${kver}/kernel.tclocal`, `/usr/local/lib/modules/${kver}/kernel`),
  ];
  return withParents(entries);
}
