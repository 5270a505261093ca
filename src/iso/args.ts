import { UsageError } from '../errors.js';
import { type BootMode, platforms } from './boot-mode.js';
import { EFI_IMAGE } from './efi.js';

/** Paths inside the new ISO's tree that the El Torito options name. */
export const BOOT_IMAGE = 'boot/isolinux/isolinux.bin';
export const BOOT_CATALOG = 'boot/isolinux/boot.cat';

export const APPLICATION_ID = 'Razor Microkernel';
export const SYSTEM_ID = 'LINUX';
/** xorriso refuses a longer preparer id (it counts UTF-8 bytes). */
export const MAX_PREPARER_BYTES = 128;

/** ISOLINUX's recipe: the partition starts at 64 disk blocks, leaving the stick easy to repartition. */
const PARTITION_OFFSET = '16';

export interface MkisofsSpec {
  /** The directory that becomes the ISO's root. */
  readonly tree: string;
  readonly output: string;
  readonly volumeId: string;
  readonly preparer: string;
  /** A file at the tree's root named as the copyright file (`LICENSE`). */
  readonly copyrightFile?: string | undefined;
  /** The El Torito entries: ISOLINUX (`bios`, the default), efi.img (`uefi`), or both. */
  readonly bootMode?: BootMode | undefined;
  /** Syslinux's isohdpfx.bin: makes the image bootable from a hard disk or USB stick too (with a BIOS entry only). */
  readonly isohybridMbr?: string | undefined;
  /** Pins every date in the image (volume dates, file dates, boot catalog, MBR id). */
  readonly sourceDateEpoch?: number | undefined;
}

/** `mkbundle 0.1.0 (builder)`; no host name in a reproducible build. Cut to xorriso's 128 bytes. */
export function preparerId(toolVersion: string, host?: string): string {
  const chars = [...(host === undefined ? `mkbundle ${toolVersion}` : `mkbundle ${toolVersion} (${host})`)];
  while (Buffer.byteLength(chars.join(''), 'utf8') > MAX_PREPARER_BYTES) chars.pop();
  return chars.join('');
}

/** The latest second xorriso's YYYYMMDDhhmmsscc dates can hold (year 2999). */
const MAX_EPOCH = Date.UTC(3000, 0, 1) / 1000 - 1;

/** SOURCE_DATE_EPOCH as an ECMA-119 volume date, `YYYYMMDDhhmmss00` in UTC. */
export function volumeDate(epoch: number): string {
  if (!Number.isInteger(epoch) || epoch < 0 || epoch > MAX_EPOCH) {
    throw new UsageError(`SOURCE_DATE_EPOCH ${epoch} is outside what an ISO image can record (1970 to 2999)`);
  }
  return `${new Date(epoch * 1000).toISOString().replace(/\D/g, '').slice(0, 14)}00`;
}

/** ISOLINUX's El Torito entry, and its isohybrid MBR when there is one. */
function biosBoot(isohybridMbr: string | undefined): string[] {
  return [
    ...['-no-emul-boot', '-boot-load-size', '4', '-boot-info-table', '-b', BOOT_IMAGE, '-c', BOOT_CATALOG],
    ...(isohybridMbr === undefined ? [] : ['-isohybrid-mbr', isohybridMbr, '-partition_offset', PARTITION_OFFSET]),
  ];
}

/**
 * efi.img's El Torito entry, and the partition a disk's UEFI finds it by.
 * Beside an isohybrid MBR as Debian live and Alpine do it
 * (`-isohybrid-gpt-basdat`): the MBR gets a 0xef partition over efi.img and
 * a GPT names it too, so one image boots from a stick under BIOS (the MBR's
 * code) and UEFI (the ESP). Without that MBR, a GPT with efi.img as its
 * EFI system partition (`-efi-boot-part --efi-boot-image`).
 */
function uefiBoot(afterBios: boolean, hybridMbr: boolean): string[] {
  return [
    ...(afterBios ? ['-eltorito-alt-boot'] : []),
    ...['-e', EFI_IMAGE, '-no-emul-boot'],
    ...(hybridMbr ? ['-isohybrid-gpt-basdat'] : ['-efi-boot-part', '--efi-boot-image']),
  ];
}

function elTorito(mode: BootMode, isohybridMbr: string | undefined): string[] {
  const entries = platforms(mode);
  const bios = entries.includes('bios');
  return [
    ...(bios ? biosBoot(isohybridMbr) : ['-c', BOOT_CATALOG]),
    ...(entries.includes('uefi') ? uefiBoot(bios, bios && isohybridMbr !== undefined) : []),
  ];
}

/**
 * xorriso's whole command line. The mkisofs part is the original's
 * (`-l -J -R`, El Torito with a boot info table, `-A`, `-sysid`, `-p`, `-V`,
 * `-copyright`), the EFI entry when asked for, plus what makes the image the same for every builder: root
 * as owner and fixed modes (`-R` records the builder's otherwise), names read
 * as UTF-8 whatever the locale, and pinned dates.
 */
export function xorrisoArgs(spec: MkisofsSpec): string[] {
  const epoch = spec.sourceDateEpoch;
  return [
    // Startup files (~/.xorrisorc, /etc/xorriso/…) could change the image; a FAILURE stops before writing.
    ...['-no_rc', '-abort_on', 'FAILURE', '-as', 'mkisofs', '-quiet'],
    ...['-input-charset', 'UTF-8'],
    ...['-l', '-J', '-R', '-uid', '0', '-gid', '0', '-file-mode', '0644', '-dir-mode', '0755'],
    ...elTorito(spec.bootMode ?? 'bios', spec.isohybridMbr),
    ...['-A', APPLICATION_ID, '-sysid', SYSTEM_ID, '-p', spec.preparer, '-V', spec.volumeId],
    ...(spec.copyrightFile === undefined ? [] : ['-copyright', spec.copyrightFile]),
    ...(epoch === undefined ? [] : [`--modification-date=${volumeDate(epoch)}`, '--set_all_file_dates', `=${epoch}`]),
    ...['-o', spec.output, spec.tree],
  ];
}
