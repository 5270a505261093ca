import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { quoted } from '../config/quote.js';
import { ArchiveError, InputError } from '../errors.js';
import { bootLine } from '../inspect/isolinux.js';
import { ISOLINUX_CFG, initrdList } from '../iso/isolinux.js';
import { extractFromIso } from '../iso/read.js';

/**
 * The initramfs files a Core ISO boots, in load order: those its
 * isolinux.cfg's default entry names when it names several (a Core may boot
 * `rootfs64.gz` and `modules64.gz` as two initrds), else `initrd` alone. An
 * ISO without a readable isolinux.cfg is taken to boot `initrd`. A name
 * that is not a plain relative path (`..`, `.`, empty parts) is an InputError.
 */
export async function coreIsoInitrds(iso: string, initrd: string, scratch: string): Promise<readonly string[]> {
  const cfg = join(scratch, 'isolinux.cfg');
  try {
    await extractFromIso(iso, ISOLINUX_CFG, cfg);
  } catch (error) {
    if (error instanceof ArchiveError) return [initrd];
    throw error;
  }
  const named = bootLine(await readFile(cfg, 'latin1')).initrd;
  const list = named === null ? [] : initrdList(named);
  if (list.length < 2) return [initrd];
  // Names from the ISO become paths on the host (copied out, removed from the new tree): inside it only.
  const unsafe = list.find((name) => name.includes('\0') || name.split('/').some((s) => ['', '.', '..'].includes(s)));
  if (unsafe !== undefined) {
    throw new InputError(`${iso}: ${ISOLINUX_CFG}: initrd ${quoted(unsafe)} is not a plain path in the ISO`);
  }
  return list;
}
