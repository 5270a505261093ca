import { mkdir, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { removeScratchDir, scratchDir } from '../cleanup.js';
import type { Move } from '../commit.js';
import type { Flavour } from '../config/flavour.js';
import { errorText } from '../errno.js';
import { InputError } from '../errors.js';
import type { BootFiles } from '../tce/mirror.js';
import { toolVersion } from '../version.js';
import { preparerId, volumeDate } from './args.js';
import { type BootMode, platforms } from './boot-mode.js';
import { kernelCommandLine } from './cmdline.js';
import { efiBootId, prepareEfiBoot } from './efi.js';
import { checkEfiStub } from './efi-stub.js';
import { ISOLINUX_CFG } from './isolinux.js';
import type { IsoMetadata } from './metadata.js';
import { prepareIsoTree } from './tree.js';
import { checkVersion, isoFileName, volumeId } from './version.js';
import { writeIso } from './write.js';

export interface BuildIsoOptions {
  /** The Core ISO to start from (its `boot/` tree). */
  readonly coreIso: string;
  readonly boot: BootFiles;
  /** The new initramfs (core.gz). */
  readonly initramfs: string;
  /** The Core's initramfs files it replaces, when more than `boot.initrd` (see IsoTreeSpec). */
  readonly coreInitrds?: readonly string[] | undefined;
  readonly version: string;
  readonly flavour: Flavour;
  /** The ISO is written here as `rz_mk_{flavour}-image.{version}.iso`. */
  readonly outDir: string;
  readonly copying?: string | undefined;
  readonly license?: string | undefined;
  /** Added to every `append` line of isolinux.cfg, and so to the EFI menu's command line, read from it. */
  readonly bootCodes?: string | undefined;
  /** Fixes iso_build_time and every date in the image, and leaves the host name out. */
  readonly sourceDateEpoch?: number | undefined;
  /** Where the staging tree (about the ISO's size) goes; the system's temp directory by default. */
  readonly workDir?: string | undefined;
  /** Syslinux's isohdpfx.bin; by default the first one installed. */
  readonly isohybridMbr?: string | undefined;
  /** The firmware the ISO boots under; ISOLINUX alone (`bios`) by default. */
  readonly bootMode?: BootMode | undefined;
  /** Puts the finished ISO in place, with what must appear together with it (see writeIso). */
  readonly commit?: ((iso: Move) => Promise<void>) | undefined;
}

export interface BuiltIso {
  readonly path: string;
  readonly volumeId: string;
  readonly preparer: string;
  readonly hybrid: boolean;
  readonly bootMode: BootMode;
  readonly metadata: IsoMetadata;
  readonly warnings: readonly string[];
}

/** The ISO stage: the new tree in a scratch directory, then xorriso; the scratch is removed either way. */
export async function buildIso(opts: BuildIsoOptions): Promise<BuiltIso> {
  const version = checkVersion(opts.version);
  const epoch = opts.sourceDateEpoch;
  // Fail on an unusable epoch before the slow part.
  if (epoch !== undefined) volumeDate(epoch);
  const label = volumeId(version);
  const preparer = preparerId(toolVersion(), epoch === undefined ? hostname() : undefined);
  try {
    await mkdir(opts.outDir, { recursive: true });
  } catch (error) {
    throw new InputError(`cannot create the output directory ${opts.outDir}: ${errorText(error)}`, { cause: error });
  }
  const scratch = await scratchDir('iso', opts.workDir);
  try {
    const tree = await prepareIsoTree(join(scratch, 'tree'), {
      coreIso: opts.coreIso,
      boot: opts.boot,
      initramfs: opts.initramfs,
      coreInitrds: opts.coreInitrds,
      version,
      buildTime: epoch === undefined ? new Date() : new Date(epoch * 1000),
      copying: opts.copying,
      license: opts.license,
      bootCodes: opts.bootCodes,
    });
    const mode = opts.bootMode ?? 'bios';
    if (platforms(mode).includes('uefi')) {
      await checkEfiStub(join(tree.dir, opts.boot.kernel), opts.boot.kernel, mode);
      const isolinuxCfg = await readFile(join(tree.dir, ISOLINUX_CFG), 'latin1');
      // The tree's isolinux.cfg has the boot codes already.
      const cmdline = kernelCommandLine(isolinuxCfg, undefined);
      await prepareEfiBoot({
        tree: tree.dir,
        boot: opts.boot,
        isolinuxCfg,
        cmdline,
        bootId: efiBootId([label, tree.metadata.kernelHash, tree.metadata.initrdHash, cmdline]),
        sourceDateEpoch: epoch,
        workDir: scratch,
      });
    }
    const written = await writeIso(tree.dir, join(opts.outDir, isoFileName(opts.flavour, version)), {
      volumeId: label,
      preparer,
      copyrightFile: tree.copyrightFile,
      sourceDateEpoch: epoch,
      isohybridMbr: opts.isohybridMbr,
      bootMode: mode,
      commit: opts.commit,
    });
    return {
      path: written.path,
      volumeId: label,
      preparer,
      hybrid: written.hybrid,
      bootMode: written.bootMode,
      metadata: tree.metadata,
      warnings: [...tree.warnings, ...written.warnings],
    };
  } finally {
    await removeScratchDir(scratch);
  }
}
