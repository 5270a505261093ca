/**
 * A Core-shaped ISO for the loopback world: `boot/vmlinuz` (or
 * `vmlinuz64`), `boot/core.gz` (or `corepure64.gz`) and an isolinux set-up
 * shaped like Core's. The kernel, busybox and any extra initramfs content
 * are parameters so the same builder can later make a really bootable ISO.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { CORE_EPOCH, makeCoreGz } from './core-iso-initramfs.js';
import { blockdev, chardev, copy, dir, file, hardlink, script, symlink, type TreeNode } from './tinycore-tree.js';

export type CoreArch = 'x86' | 'x86_64';

export const ISOLINUX_BIN = '/usr/lib/ISOLINUX/isolinux.bin';
export const LDLINUX_C32 = '/usr/lib/syslinux/modules/bios/ldlinux.c32';

export interface CoreIsoInputs {
  readonly arch: CoreArch;
  /** The name of the one directory under `lib/modules/` in core.gz. */
  readonly kernelVersion: string;
  /** `boot/vmlinuz(64)`: a host file or bytes. */
  readonly kernel: { readonly path: string } | { readonly data: Buffer };
  /** A static busybox for `bin/busybox`. */
  readonly busybox: string;
  /** Added to (and replacing same-path nodes of) the default initramfs tree. */
  readonly initramfs?: readonly TreeNode[];
}

export interface CoreIso {
  readonly iso: Buffer;
  readonly kernel: Buffer;
  readonly coreGz: Buffer;
  /** `boot/vmlinuz` … as inside the ISO. */
  readonly kernelPath: string;
  readonly initrdPath: string;
}

export function coreBootFiles(arch: CoreArch): { kernel: string; initrd: string } {
  return arch === 'x86'
    ? { kernel: 'boot/vmlinuz', initrd: 'boot/core.gz' }
    : { kernel: 'boot/vmlinuz64', initrd: 'boot/corepure64.gz' };
}

/** Core's isolinux.cfg (the 4.x … 6.x shape). */
export function isolinuxCfg(arch: CoreArch): string {
  const boot = coreBootFiles(arch);
  return [
    'display boot.msg',
    'default microcore',
    'label microcore',
    `\tkernel /${boot.kernel}`,
    `\tinitrd /${boot.initrd}`,
    '\tappend loglevel=3',
    '',
    'label mc',
    `\tkernel /${boot.kernel}`,
    `\tappend initrd=/${boot.initrd} loglevel=3`,
    'implicit 0',
    'prompt 1',
    'timeout 300',
    'F1 boot.msg',
    'F2 f2',
    'F3 f3',
    'F4 f4',
    '',
  ].join('\n');
}

const BUSYBOX_APPLETS = {
  bin: ['sh', 'ash', 'cat', 'echo', 'ls', 'mkdir', 'mount', 'umount', 'ln', 'sed', 'grep', 'sleep', 'uname', 'cpio'],
  sbin: ['init', 'getty', 'modprobe', 'insmod', 'poweroff', 'reboot', 'switch_root', 'ldconfig', 'depmod'],
} as const;

/** The default core.gz tree: Core's shape in miniature, including what makes it hard to unpack rootless. */
export function coreInitramfsTree(inputs: CoreIsoInputs): TreeNode[] {
  const kver = inputs.kernelVersion;
  const modules = `lib/modules/${kver}`;
  return [
    dir('dev'),
    chardev('dev/console', 5, 1),
    chardev('dev/null', 1, 3, 0o666),
    chardev('dev/tty1', 4, 1, 0o620),
    chardev('dev/ttyS0', 4, 64, 0o660),
    blockdev('dev/loop0', 7, 0),
    blockdev('dev/ram0', 1, 0),
    copy('bin/busybox', inputs.busybox, 0o755),
    ...BUSYBOX_APPLETS.bin.map((applet) => symlink(`bin/${applet}`, 'busybox')),
    ...BUSYBOX_APPLETS.sbin.map((applet) => symlink(`sbin/${applet}`, '../bin/busybox')),
    // Setuid programs are why unpacking core.gz needs root.
    script('usr/bin/sudo', 'echo MKWORLD-CORE-SUDO "$@"\n', 0o4755),
    script('init', 'mount -t proc proc /proc\nexec /sbin/init\n'),
    file(
      'etc/inittab',
      [
        '# /etc/inittab: init configuration for busybox init.',
        '::sysinit:/etc/init.d/rcS',
        'tty1::respawn:/sbin/getty 38400 tty1',
        '::restart:/sbin/init',
        '::ctrlaltdel:/sbin/reboot',
        '::shutdown:/etc/init.d/rc.shutdown',
        '',
      ].join('\n'),
    ),
    script('etc/init.d/rcS', 'echo MKWORLD-CORE-RCS\n/etc/init.d/tc-config\n'),
    script('etc/init.d/tc-config', 'echo MKWORLD-CORE-TC-CONFIG\n[ -x /opt/bootsync.sh ] && /opt/bootsync.sh\n'),
    script('etc/init.d/rc.shutdown', 'echo MKWORLD-CORE-SHUTDOWN\n'),
    file('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\ntc:x:1001:50:Linux User,,,:/home/tc:/bin/sh\n'),
    file('etc/shadow', 'root:*:13525:0:99999:7:::\ntc:*:13646:0:99999:7:::\n', 0o600),
    file('etc/group', 'root:x:0:\nstaff:x:50:\n'),
    file('etc/motd', 'Core test world\n'),
    hardlink('etc/issue', 'etc/motd'),
    script('opt/bootsync.sh', '/opt/bootlocal.sh &\n', 0o775),
    script('opt/bootlocal.sh', 'echo MKWORLD-CORE-BOOTLOCAL\n', 0o775),
    dir('proc'),
    dir('root', 0o700),
    dir('tmp', 0o1777),
    dir('usr/local/tce.installed', 0o775),
    file(`${modules}/kernel/fs/squashfs/squashfs.ko.gz`, Buffer.from('MKWORLD placeholder module squashfs\n')),
    file(`${modules}/kernel/drivers/block/loop.ko.gz`, Buffer.from('MKWORLD placeholder module loop\n')),
    file(`${modules}/modules.dep`, 'kernel/fs/squashfs/squashfs.ko.gz:\nkernel/drivers/block/loop.ko.gz:\n'),
    // Absolute, as in Core; Razor made it relative for a host depmod.
    symlink(`${modules}/kernel.tclocal`, `/usr/local/lib/modules/${kver}/kernel`),
    ...(inputs.initramfs ?? []),
  ];
}

/** Builds the ISO with `xorriso -as mkisofs`, rootless, in a scratch dir under `workDir`. */
export async function buildCoreIso(inputs: CoreIsoInputs, workDir: string): Promise<CoreIso> {
  await mkdir(workDir, { recursive: true });
  const stage = await mkdtemp(join(workDir, 'core-iso-'));
  try {
    const boot = coreBootFiles(inputs.arch);
    const kernel = 'data' in inputs.kernel ? inputs.kernel.data : await readFile(inputs.kernel.path);
    const coreGz = await makeCoreGz(coreInitramfsTree(inputs), stage);
    const tree = join(stage, 'iso');
    const put = async (path: string, data: Buffer | string) => {
      await mkdir(dirname(join(tree, path)), { recursive: true });
      await writeFile(join(tree, path), data);
    };
    await put(boot.kernel, kernel);
    await put(boot.initrd, coreGz);
    await put('boot/isolinux/isolinux.cfg', isolinuxCfg(inputs.arch));
    // Core's boot.msg starts with a form feed (clear screen) and uses ^O colour codes.
    await put(
      'boot/isolinux/boot.msg',
      '\x0c\n\x0f0fCore Linux\x0f07\n\nPress <Enter> to begin or F2, F3, or F4 to view boot options.\n',
    );
    await put('boot/isolinux/f2', 'MKWORLD boot options (f2)\n');
    await put('boot/isolinux/f3', 'MKWORLD boot options (f3)\n');
    await put('boot/isolinux/f4', 'MKWORLD boot options (f4)\n');
    await copyFile(ISOLINUX_BIN, join(tree, 'boot/isolinux/isolinux.bin'));
    await copyFile(LDLINUX_C32, join(tree, 'boot/isolinux/ldlinux.c32'));
    // xorriso's SOURCE_DATE_EPOCH covers volume dates, not the input files' own times.
    await execa('find', [tree, '-exec', 'touch', '-h', '-d', `@${CORE_EPOCH}`, '{}', '+']);
    const out = join(stage, 'core.iso');
    await execa(
      'xorriso',
      [
        ...['-as', 'mkisofs', '-quiet', '-l', '-J', '-R', '-V', 'Core'],
        ...['-no-emul-boot', '-boot-load-size', '4', '-boot-info-table'],
        ...['-b', 'boot/isolinux/isolinux.bin', '-c', 'boot/isolinux/boot.cat', '-o', out, tree],
      ],
      { env: { SOURCE_DATE_EPOCH: String(CORE_EPOCH) } },
    );
    return { iso: await readFile(out), kernel, coreGz, kernelPath: boot.kernel, initrdPath: boot.initrd };
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}
