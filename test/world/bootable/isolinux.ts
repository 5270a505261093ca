/**
 * Boot-loader files of the bootable Core ISO. The config keeps Core's shape
 * (the ISO stage rewrites `timeout 300` to `timeout 100`) but talks to the
 * serial port and never waits: `prompt 0` boots the default at once.
 */
export const ISOLINUX_BIN = '/usr/lib/ISOLINUX/isolinux.bin';
export const LDLINUX_C32 = '/usr/lib/syslinux/modules/bios/ldlinux.c32';

export const KERNEL_APPEND = 'loglevel=3 console=ttyS0,115200 panic=1';

/** `x86`: Core's 4.x layout; `x86_64`: CorePure64's (16.x). */
export type WorldArch = 'x86' | 'x86_64';

/** Where the kernel and initramfs sit in the world's Core ISO, as in Tiny Core's. */
export function worldBootFiles(arch: WorldArch): { readonly kernel: string; readonly initrd: string } {
  return arch === 'x86'
    ? { kernel: 'boot/vmlinuz', initrd: 'boot/core.gz' }
    : { kernel: 'boot/vmlinuz64', initrd: 'boot/corepure64.gz' };
}

/** The two initrds a CorePure64 may boot instead of corepure64.gz, in load order. */
export const TWO_INITRDS = ['boot/rootfs64.gz', 'boot/modules64.gz'] as const;

/** The world's isolinux.cfg naming the kernel and initramfs of `arch` (or, with `initrds`, that list in every entry). */
export function isolinuxCfg(arch: WorldArch, initrds?: readonly string[]): string {
  const { kernel, initrd } = worldBootFiles(arch);
  const list = (initrds ?? [initrd]).map((name) => `/${name}`).join(',');
  return ISOLINUX_CFG.replaceAll('/boot/vmlinuz\n', `/${kernel}\n`).replaceAll('/boot/core.gz', list);
}

export const ISOLINUX_CFG = [
  'serial 0 115200',
  'display boot.msg',
  'default microcore',
  'label microcore',
  '\tkernel /boot/vmlinuz',
  '\tinitrd /boot/core.gz',
  `\tappend ${KERNEL_APPEND}`,
  '',
  'label mc',
  '\tkernel /boot/vmlinuz',
  `\tappend initrd=/boot/core.gz ${KERNEL_APPEND}`,
  'implicit 0',
  'prompt 0',
  'timeout 300',
  'F1 boot.msg',
  'F2 f2',
  'F3 f3',
  'F4 f4',
  '',
].join('\n');

/** Shown by ISOLINUX on the serial line before the kernel loads. */
export const HELP_FILES: Readonly<Record<string, string>> = {
  'boot.msg': 'MKWORLD-ISOLINUX Core (bootable test world)\n',
  f2: 'Boot options: microcore, mc\n',
  f3: 'Boot codes: see Tiny Core documentation\n',
  f4: 'Bootable test world of mkbundle\n',
};
