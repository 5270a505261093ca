import { copyFile, mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import {
  HELP_FILES,
  ISOLINUX_BIN,
  isolinuxCfg,
  LDLINUX_C32,
  TWO_INITRDS,
  type WorldArch,
  worldBootFiles,
} from './isolinux.js';
import { WORLD_EPOCH } from './paths.js';

export interface CoreIsoFiles {
  readonly vmlinuz: string;
  /** The initramfs, at `boot/core.gz` (`corepure64.gz`); or the files to put at TWO_INITRDS' paths instead, which isolinux.cfg then names. */
  readonly coreGz: string | readonly [string, string];
  /** Defaults to the bootable world's own config. */
  readonly isolinuxCfg?: string;
  /** Names the files get in `boot/`: `vmlinuz`, `core.gz` (default) or `vmlinuz64`, `corepure64.gz`. */
  readonly arch?: WorldArch;
}

async function dateTree(dir: string, epoch: number): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await dateTree(path, epoch);
    await utimes(path, epoch, epoch);
  }
}

/** Lays out Core's ISO tree in `tree`: boot/vmlinuz(64), boot/core.gz (corepure64.gz, or rootfs64.gz and modules64.gz), boot/isolinux/. */
export async function writeCoreTree(tree: string, files: CoreIsoFiles): Promise<void> {
  const isolinux = join(tree, 'boot', 'isolinux');
  await mkdir(isolinux, { recursive: true });
  const boot = worldBootFiles(files.arch ?? 'x86');
  await copyFile(files.vmlinuz, join(tree, boot.kernel));
  const initrds: readonly [string, string][] =
    typeof files.coreGz === 'string'
      ? [[files.coreGz, boot.initrd]]
      : TWO_INITRDS.map((inside, index) => [files.coreGz[index] as string, inside]);
  for (const [from, inside] of initrds) await copyFile(from, join(tree, inside));
  await copyFile(ISOLINUX_BIN, join(isolinux, 'isolinux.bin'));
  await copyFile(LDLINUX_C32, join(isolinux, 'ldlinux.c32'));
  const named = typeof files.coreGz === 'string' ? undefined : TWO_INITRDS;
  await writeFile(join(isolinux, 'isolinux.cfg'), files.isolinuxCfg ?? isolinuxCfg(files.arch ?? 'x86', named));
  for (const [name, body] of Object.entries(HELP_FILES)) await writeFile(join(isolinux, name), body);
  await dateTree(tree, WORLD_EPOCH);
  // The root directory's date is the image's root record too.
  await utimes(tree, WORLD_EPOCH, WORLD_EPOCH);
}

/**
 * Tiny Core's remaster command line, with fixed dates and root as owner (-R
 * records the builder's uid otherwise) so the same tree gives the same image.
 */
export async function writeIso(tree: string, out: string, volumeId = 'Core'): Promise<void> {
  await execa(
    'xorriso',
    [
      ...['-as', 'mkisofs', '-quiet', '-l', '-J', '-R', '-uid', '0', '-gid', '0', '-V', volumeId],
      ...['-no-emul-boot', '-boot-load-size', '4', '-boot-info-table'],
      ...['-b', 'boot/isolinux/isolinux.bin', '-c', 'boot/isolinux/boot.cat'],
      ...['-o', out, tree],
    ],
    { env: { SOURCE_DATE_EPOCH: String(WORLD_EPOCH) } },
  );
}
