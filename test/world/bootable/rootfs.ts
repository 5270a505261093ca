import { join, posix } from 'node:path';
import type { Busybox } from './busybox.js';
import { coreScriptEntries } from './core-scripts.js';
import { type ArchiveEntry, device, dir, file, fileFrom, hardlink, symlink } from './entries.js';
import { FSTAB, GROUP, INITTAB, PASSWD, RELEASE, RELEASE_64, SHADOW, TC_OWNER } from './etc-files.js';
import type { WorldArch } from './isolinux.js';
import type { Kernel } from './kernel.js';
import { moduleEntries } from './modules.js';
import { GUEST_DIR } from './paths.js';
import { standInEntries } from './stand-ins.js';

/**
 * The modules tc-config loads (all `=m` in Debian's kernels): loop and
 * squashfs for extensions, zram (needing zsmalloc) for its compressed swap,
 * whose default compressor lzo-rle the kernel asks modprobe for.
 */
export const GUEST_MODULES = ['loop', 'squashfs', 'zram', 'zsmalloc', 'lzo-rle'] as const;

const DIRS = [
  'bin',
  'dev',
  'dev/pts',
  'dev/shm',
  'etc',
  'etc/init.d',
  'etc/skel',
  'etc/sysconfig',
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
  'usr/share/doc/tc',
  'var',
  'var/log',
  'var/run',
  'var/tmp',
];

/**
 * Loop device nodes in the archive. busybox 1.35's mount asks
 * /dev/loop-control for a free loop device and opens its node at once; past
 * the archive's nodes that node is mdev's to make, asynchronously, and on a
 * loaded machine it came too late ("can't setup loop device") for the 9th
 * extension. Core's older busybox made a missing node itself.
 */
const LOOP_NODES = 64;

/** Static nodes as Tiny Core's core.gz has them (mdev adds the rest at run time). */
const DEVICES: readonly ArchiveEntry[] = [
  device('dev/console', 'chardev', 5, 1, 0o600),
  device('dev/null', 'chardev', 1, 3, 0o666),
  device('dev/tty1', 'chardev', 4, 1, 0o620),
  device('dev/ttyS0', 'chardev', 4, 64, 0o660),
  device('dev/ram0', 'blockdev', 1, 0, 0o660),
  ...Array.from({ length: LOOP_NODES }, (_, n) => device(`dev/loop${n}`, 'blockdev', 7, n, 0o660)),
];

/** The world's own guest files live in guest/ beside this module's source, as plain files. */
const guestScript = (name: string, to: string, mode = 0o755): Promise<ArchiveEntry> =>
  fileFrom(to, join(GUEST_DIR, name), mode);

/** Core-scripts files the world puts its own in place of: bootlocal.sh is where Tiny Core runs user code. */
const WORLD_OWN = new Set(['opt/bootlocal.sh']);

/** Names the rootfs fills itself; busybox's links for them are left out. */
const OWN_NAMES = new Set(['bin/busybox', 'usr/bin/[', 'usr/bin/[[', 'bin/su']);

function appletLinks(busybox: Busybox, taken: ReadonlySet<string>): ArchiveEntry[] {
  return busybox.applets
    .filter((applet) => !OWN_NAMES.has(applet) && !taken.has(applet))
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
 * buildCoreGz's `prepare`): Tiny Core's own boot scripts, the stand-ins
 * they need on a Debian kernel with busybox-static, and the world's
 * reporter in /opt/bootlocal.sh. Device nodes, a setuid file, a hard-link
 * pair and the absolute kernel.tclocal symlink are there because real
 * core.gz archives have them and mkbundle must carry them through.
 */
export async function rootfsEntries(
  kernel: Kernel,
  busybox: Busybox,
  cacheDir: string,
  arch: WorldArch = 'x86',
): Promise<ArchiveEntry[]> {
  const kver = kernel.kver;
  const scripts = [...(await coreScriptEntries()), ...(await standInEntries(cacheDir))].filter(
    (e) => !WORLD_OWN.has(e.path),
  );
  const taken = new Set(scripts.map((e) => e.path));
  const entries: ArchiveEntry[] = [
    ...DIRS.map((d) => dir(d)),
    dir('tmp', 0o1777),
    dir('home/tc', 0o755, TC_OWNER),
    ...DEVICES,
    await fileFrom('bin/busybox', busybox.binary, 0o755),
    await fileFrom('bin/busybox.suid', busybox.binary, 0o4755),
    symlink('bin/su', 'busybox.suid'),
    ...appletLinks(busybox, taken),
    await guestScript('applet-by-name', 'usr/bin/['),
    hardlink('usr/bin/[[', 'usr/bin/[', 0o755),
    ...scripts,
    await guestScript('bootlocal.sh', 'opt/bootlocal.sh', 0o775),
    await guestScript('report', 'usr/share/mkworld/report'),
    file('etc/inittab', INITTAB),
    file('etc/fstab', FSTAB),
    symlink('etc/mtab', '/proc/mounts'),
    file('usr/share/doc/tc/release.txt', arch === 'x86' ? RELEASE : RELEASE_64),
    file('etc/passwd', PASSWD),
    file('etc/shadow', SHADOW, 0o600),
    file('etc/group', GROUP),
    file('etc/hostname', 'box\n'),
    ...(await moduleEntries(kernel, GUEST_MODULES)),
    symlink(`lib/modules/${kver}/kernel.tclocal`, `/usr/local/lib/modules/${kver}/kernel`),
  ];
  return withParents(entries);
}
