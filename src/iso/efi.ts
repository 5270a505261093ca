import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { ArchiveError, ToolMissingError } from '../errors.js';
import type { BootFiles } from '../tce/mirror.js';
import { requireTool, type Tool } from '../tools/which.js';
import { grubCfg, grubEmbeddedCfg, isolinuxDefaultLabel, isolinuxMenuSeconds, isolinuxSerial } from './grub-cfg.js';

/** Where the EFI boot files go in the ISO's tree. */
export const GRUB_DIR = 'boot/grub';
export const GRUB_CFG = `${GRUB_DIR}/grub.cfg`;
/** The FAT image named by the EFI El Torito entry (and, on a disk, by its EFI system partition). */
export const EFI_IMAGE = `${GRUB_DIR}/efi.img`;

/** Debian's GRUB for 64-bit UEFI: the modules grub-mkimage links into BOOTX64.EFI. */
export const GRUB_EFI_MODULES_DIR = '/usr/lib/grub/x86_64-efi';
export const GRUB_EFI_PACKAGE = 'grub-efi-amd64-bin';

/**
 * Built into the image, so it needs nothing from the ISO but grub.cfg:
 * partition tables and file systems of a CD and of a stick, the search for
 * the ISO's file system, the menu, Linux's EFI loader, the serial console.
 */
export const GRUB_MODULES = [
  'part_gpt',
  'part_msdos',
  'fat',
  'iso9660',
  'search',
  'search_fs_file',
  'configfile',
  'normal',
  'linux',
  'echo',
  'test',
  'serial',
  'terminal',
  'all_video',
] as const;

const FAT_LABEL = 'EFIBOOT';
const MIB = 1024 * 1024;
/** Room for the FAT's own tables and directories beside BOOTX64.EFI. */
const FAT_SLACK = 256 * 1024;

export interface EfiBootSpec {
  /** The ISO's tree, as prepareIsoTree left it. */
  readonly tree: string;
  readonly boot: BootFiles;
  /** isolinux.cfg's text (serial console, menu timeout, default label). */
  readonly isolinuxCfg: string;
  /** The kernel command line of ISOLINUX's default label, boot codes included. */
  readonly cmdline: string;
  /** Names this build: the file GRUB searches for and the FAT's serial number come from it. */
  readonly bootId: string;
  /** The FAT's dates; now when undefined. */
  readonly sourceDateEpoch?: number | undefined;
  /** For BOOTX64.EFI and GRUB's embedded configuration, outside the tree. */
  readonly workDir: string;
  /** GRUB's x86_64-efi modules; Debian's by default. */
  readonly grubModulesDir?: string | undefined;
}

/** A build's id: 16 hex digits from what makes it this build (volume, kernel, initramfs, command line). */
export function efiBootId(parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16);
}

/** The file GRUB looks for to know it found this ISO's file system. */
export const idFile = (bootId: string) => `${GRUB_DIR}/mkbundle-${bootId}.id`;

async function requireGrubModules(dir: string): Promise<void> {
  try {
    await access(join(dir, 'linux.mod'), constants.R_OK);
  } catch {
    throw new ToolMissingError(dir, GRUB_EFI_PACKAGE);
  }
}

/** Every program and file the EFI boot image needs, looked for before the slow part of a build. */
export async function requireEfiTools(modulesDir: string = GRUB_EFI_MODULES_DIR): Promise<void> {
  await requireGrubModules(modulesDir);
  for (const tool of ['grub-mkimage', 'mformat', 'mmd', 'mcopy'] as const) await requireTool(tool);
}

/** mtools writes local time into FAT dates; TZ=UTC and the epoch make them the same for every builder. */
function mtoolsEnv(epoch: number): NodeJS.ProcessEnv {
  const { SOURCE_DATE_EPOCH: _inherited, TZ: _tz, ...env } = process.env;
  return { ...env, SOURCE_DATE_EPOCH: String(epoch), TZ: 'UTC', MTOOLS_SKIP_CHECK: '1' };
}

async function run(tool: Tool, args: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  const path = await requireTool(tool);
  const result = await execa(path, args, { env, extendEnv: false, stdin: 'ignore', reject: false });
  if (result.exitCode !== 0) {
    const problem = result.stderr.trim().split('\n').at(-1) ?? '';
    throw new ArchiveError(`${tool} could not make the EFI boot image${problem === '' ? '' : `: ${problem}`}`);
  }
}

/** FAT sectors for `payload` bytes: whole MiB, so the image is also a tidy partition. */
export function fatSectors(payload: number): number {
  return (Math.ceil((payload + FAT_SLACK) / MIB) * MIB) / 512;
}

/** GRUB's EFI binary with the embedded search (see grubEmbeddedCfg): the same modules and config give the same bytes. */
async function writeGrubImage(dest: string, embeddedCfg: string, modulesDir: string): Promise<void> {
  await requireGrubModules(modulesDir);
  const args = ['-O', 'x86_64-efi', '-d', modulesDir, '-p', `/${GRUB_DIR}`, '-c', embeddedCfg, '-o', dest];
  await run('grub-mkimage', [...args, ...GRUB_MODULES], process.env);
}

/**
 * A FAT image holding `EFI/BOOT/BOOTX64.EFI` (the removable-media path every
 * UEFI looks for), made rootless with mtools: fixed size, label and serial
 * number, and every date SOURCE_DATE_EPOCH in UTC.
 */
async function writeFatImage(dest: string, bootx64: string, serial: string, epoch: number): Promise<void> {
  const env = mtoolsEnv(epoch);
  const sectors = fatSectors((await stat(bootx64)).size);
  await writeFile(dest, '');
  await truncate(dest, sectors * 512);
  await run(
    'mformat',
    ['-i', dest, '-T', String(sectors), '-h', '64', '-s', '32', '-N', serial, '-v', FAT_LABEL, '::'],
    env,
  );
  await run('mmd', ['-i', dest, '::/EFI', '::/EFI/BOOT'], env);
  await run('mcopy', ['-i', dest, bootx64, '::/EFI/BOOT/BOOTX64.EFI'], env);
}

/**
 * Adds the EFI boot to the tree: grub.cfg booting what ISOLINUX's default
 * label boots, the id file GRUB finds the file system by, and efi.img.
 */
export async function prepareEfiBoot(spec: EfiBootSpec): Promise<void> {
  const grubDir = join(spec.tree, GRUB_DIR);
  await mkdir(grubDir, { recursive: true });
  const menu = grubCfg({
    title: isolinuxDefaultLabel(spec.isolinuxCfg) ?? 'Microkernel',
    kernel: spec.boot.kernel,
    initrd: spec.boot.initrd,
    cmdline: spec.cmdline,
    serial: isolinuxSerial(spec.isolinuxCfg),
    timeoutSeconds: isolinuxMenuSeconds(spec.isolinuxCfg),
  });
  await writeFile(join(spec.tree, GRUB_CFG), menu, { mode: 0o644 });
  await writeFile(join(spec.tree, idFile(spec.bootId)), `${spec.bootId}\n`, { mode: 0o644 });
  const embedded = join(spec.workDir, 'grub-embedded.cfg');
  await writeFile(embedded, grubEmbeddedCfg(idFile(spec.bootId), GRUB_DIR));
  const bootx64 = join(spec.workDir, 'BOOTX64.EFI');
  await writeGrubImage(bootx64, embedded, spec.grubModulesDir ?? GRUB_EFI_MODULES_DIR);
  const epoch = spec.sourceDateEpoch ?? Math.floor(Date.now() / 1000);
  await writeFatImage(join(spec.tree, EFI_IMAGE), bootx64, spec.bootId.slice(0, 8), epoch);
}
