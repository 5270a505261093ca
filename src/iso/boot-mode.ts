/** Which firmware the ISO boots under: ISOLINUX for BIOS, GRUB's EFI binary for UEFI, or both in one hybrid image. */
export const BOOT_MODES = ['bios', 'uefi', 'both'] as const;
export type BootMode = (typeof BOOT_MODES)[number];

/** The El Torito entries of a mode, in catalog order (the BIOS entry is the default one when present). */
export type Platform = 'bios' | 'uefi';

export function platforms(mode: BootMode): readonly Platform[] {
  switch (mode) {
    case 'bios':
      return ['bios'];
    case 'uefi':
      return ['uefi'];
    case 'both':
      return ['bios', 'uefi'];
  }
}

/**
 * x86_64 Cores boot both ways; 32-bit x86 stays BIOS-only, since its kernel
 * (4.x's `vmlinuz`) has no EFI stub and a 64-bit UEFI could not start it anyway.
 * `arch` is bundle.json's `tinycore.arch`.
 */
export function defaultBootMode(arch: string): BootMode {
  return arch === 'x86_64' ? 'both' : 'bios';
}
