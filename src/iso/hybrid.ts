import { constants } from 'node:fs';
import { access, open } from 'node:fs/promises';
import { errorText } from '../errno.js';
import { InputError, ToolMissingError } from '../errors.js';

/** Where distributions install Syslinux's isohybrid MBR template (Debian's `isolinux` package first). */
export const ISOHYBRID_MBR_CANDIDATES = [
  '/usr/lib/ISOLINUX/isohdpfx.bin',
  '/usr/lib/syslinux/isohdpfx.bin',
  '/usr/lib/syslinux/mbr/isohdpfx.bin',
  '/usr/lib/syslinux/bios/isohdpfx.bin',
  '/usr/share/syslinux/isohdpfx.bin',
] as const;

/** The first installed isohybrid MBR template, or a ToolMissingError naming the Debian package. */
export async function findIsohybridMbr(candidates: readonly string[] = ISOHYBRID_MBR_CANDIDATES): Promise<string> {
  for (const path of candidates) {
    try {
      await access(path, constants.R_OK);
      return path;
    } catch {
      // not installed here
    }
  }
  throw new ToolMissingError('isohdpfx.bin', 'isolinux');
}

/**
 * ISOLINUX since 3.72 marks an isolinux.bin the isohybrid MBR can start
 * with 0x7078c0fb (little-endian) at byte 64. Without it the MBR would jump
 * into code that is not there, so such an image can only boot as a CD.
 */
const HYBRID_SIGNATURE_OFFSET = 64;
const HYBRID_SIGNATURE = 0x7078c0fb;

export function isHybridCapable(isolinuxBin: Buffer): boolean {
  return (
    isolinuxBin.length >= HYBRID_SIGNATURE_OFFSET + 4 &&
    isolinuxBin.readUInt32LE(HYBRID_SIGNATURE_OFFSET) === HYBRID_SIGNATURE
  );
}

/** Reads just the head of isolinux.bin to look for the hybrid signature. */
export async function isolinuxIsHybridCapable(path: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new InputError(`cannot read the boot image ${path}: ${errorText(error)}`, {
      cause: error,
    });
  }
  try {
    const head = Buffer.alloc(HYBRID_SIGNATURE_OFFSET + 4);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return isHybridCapable(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}
