import { open } from 'node:fs/promises';
import { errorText } from '../errno.js';
import { InputError, UsageError } from '../errors.js';
import { type BootMode, platforms } from './boot-mode.js';

/** Where an MZ executable keeps the offset of its PE header (`e_lfanew`). */
const PE_OFFSET_AT = 0x3c;
const MZ = Buffer.from('MZ', 'latin1');
const PE = Buffer.from('PE\0\0', 'latin1');
/** A header further in than this is no kernel's (Linux puts it within the first sector or two). */
const MAX_PE_OFFSET = 64 * 1024;

/**
 * True when `head` (the start of a kernel image) is a PE executable, as a
 * Linux bzImage built with CONFIG_EFI_STUB is: "MZ" at 0 and "PE\0\0" at
 * the offset stored at 0x3c. UEFI firmware and GRUB's EFI loader start
 * such a kernel; one without the stub cannot boot under UEFI.
 */
export function hasEfiStub(head: Buffer): boolean {
  if (head.length < PE_OFFSET_AT + 4 || !head.subarray(0, 2).equals(MZ)) return false;
  const offset = head.readUInt32LE(PE_OFFSET_AT);
  return offset <= head.length - PE.length && head.subarray(offset, offset + PE.length).equals(PE);
}

/** Reads just enough of `kernel` for hasEfiStub. */
export async function kernelHasEfiStub(kernel: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(kernel, 'r');
  } catch (error) {
    throw new InputError(`cannot read the kernel ${kernel}: ${errorText(error)}`, { cause: error });
  }
  try {
    const head = Buffer.alloc(MAX_PE_OFFSET + PE.length);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return hasEfiStub(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/**
 * Refuses a UEFI entry for a kernel UEFI cannot start (32-bit Tiny Core's
 * `vmlinuz` has no stub), before the slow part of the build. `name` is the
 * kernel's path in the ISO.
 */
export async function checkEfiStub(kernel: string, name: string, mode: BootMode): Promise<void> {
  if (!platforms(mode).includes('uefi') || (await kernelHasEfiStub(kernel))) return;
  throw new UsageError(
    `--boot ${mode}: ${name} has no EFI stub (no PE header), so UEFI cannot start it; use --boot bios`,
  );
}
