/**
 * /etc files in Tiny Core's shape: its users (root, tc in group staff) and its
 * busybox inittab, which the ISO stage edits for debug images (autologin on tty1).
 */
export const PASSWD = [
  'root:x:0:0:root:/root:/bin/sh',
  'lp:x:7:7:lp:/var/spool/lpd:/bin/sh',
  'nobody:x:65534:65534:nobody:/nonexistent:/bin/false',
  'tc:x:1001:50:Linux User,,,:/home/tc:/bin/sh',
  '',
].join('\n');

export const SHADOW = [
  'root:*:13525:0:99999:7:::',
  'lp:*:13510:0:99999:7:::',
  'nobody:*:13509:0:99999:7:::',
  'tc:*:13646:0:99999:7:::',
  '',
].join('\n');

export const GROUP = ['root:x:0:', 'lp:x:7:lp', 'staff:x:50:', 'nogroup:x:65534:', ''].join('\n');

/** Tiny Core's tc user: uid 1001, group staff. */
export const TC_OWNER = { uid: 1001, gid: 50 } as const;

export const INITTAB = [
  '# /etc/inittab: init configuration for busybox init.',
  '# Boot-time system configuration/initialization script.',
  '::sysinit:/etc/init.d/rcS',
  '',
  '# /sbin/getty respawn shell invocations for selected ttys.',
  'tty1::respawn:/sbin/getty 38400 tty1',
  '#tty2::respawn:/sbin/getty 38400 tty2',
  '',
  '# Stuff to do when restarting the init process, or before rebooting.',
  '::restart:/sbin/init',
  '::ctrlaltdel:/sbin/reboot',
  '::shutdown:/etc/init.d/rc.shutdown',
  '',
].join('\n');

/** Core's fstab: rcS mounts these with `mount -a`; tc-config and rebuildfstab append to it. */
export const FSTAB = [
  '# /etc/fstab',
  'proc            /proc          proc    defaults          0       0',
  'sysfs           /sys           sysfs   defaults          0       0',
  'devpts          /dev/pts       devpts  defaults          0       0',
  'tmpfs           /dev/shm       tmpfs   defaults          0       0',
  '',
].join('\n');

/** `usr/share/doc/tc/release.txt`: tc-config's banner and tce-load's mirror path read the Core version here. */
export const RELEASE = '4.7.7\n';

/** The same for the 64-bit world: a 16.x Core's release.txt. */
export const RELEASE_64 = '16.0\n';
