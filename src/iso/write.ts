import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { syncPath, temporaryName } from '../archive/atomic.js';
import { removeOnInterrupt } from '../cleanup.js';
import { type Move, renameTogether } from '../commit.js';
import { ArchiveError, InputError } from '../errors.js';
import { requireTool } from '../tools/which.js';
import { BOOT_IMAGE, xorrisoArgs } from './args.js';
import { type BootMode, platforms } from './boot-mode.js';
import { findIsohybridMbr, isolinuxIsHybridCapable } from './hybrid.js';
import { diskFullReason, withXorrisoProblem } from './xorriso.js';

export interface WriteIsoOptions {
  readonly volumeId: string;
  readonly preparer: string;
  /** The El Torito entries (ISOLINUX's alone by default); a `uefi` entry needs prepareEfiBoot's efi.img in the tree. */
  readonly bootMode?: BootMode | undefined;
  /** A file at the tree's root to name as the copyright file. */
  readonly copyrightFile?: string | undefined;
  /** Pins every date in the image; the same tree then gives the same bytes. */
  readonly sourceDateEpoch?: number | undefined;
  /** Syslinux's isohdpfx.bin; by default the first one installed. */
  readonly isohybridMbr?: string | undefined;
  /**
   * Puts the finished ISO (complete and synced under a temporary name beside
   * `dest`) in place, with whatever must appear together with it (its
   * manifest, SHA256SUMS); by default a rename. On failure the files under
   * their final names must be as they were.
   */
  readonly commit?: ((iso: Move) => Promise<void>) | undefined;
}

export interface WrittenIso {
  readonly path: string;
  /**
   * True when the image also boots as a hard disk or USB stick under each
   * firmware it boots under from CD: BIOS needs the isohybrid MBR, UEFI
   * always has its partition.
   */
  readonly hybrid: boolean;
  readonly bootMode: BootMode;
  readonly warnings: readonly string[];
}

/** Problems with the files xorriso reads or writes, as opposed to the image it was asked to make (a full disk: diskFullReason). */
const FILE_PROBLEM =
  /Permission denied|No such file|does not exist|Cannot acquire drive|Access to file is not allowed|Cannot determine attributes/i;

/** The environment xorriso runs in: SOURCE_DATE_EPOCH is ours to set, never inherited. */
function xorrisoEnv(epoch: number | undefined): NodeJS.ProcessEnv {
  const { SOURCE_DATE_EPOCH: _inherited, ...env } = process.env;
  return epoch === undefined ? env : { ...env, SOURCE_DATE_EPOCH: String(epoch) };
}

/**
 * Writes the ISO image of `tree` (prepared by prepareIsoTree) to `dest` with
 * xorriso: under a temporary name in the same directory, renamed only when
 * complete (by `commit`, with what appears together with it), so a failure
 * leaves `dest` and its companions' names as they were.
 */
export async function writeIso(tree: string, dest: string, opts: WriteIsoOptions): Promise<WrittenIso> {
  const xorriso = await requireTool('xorriso');
  const warnings: string[] = [];
  const mode = opts.bootMode ?? 'bios';
  const bios = platforms(mode).includes('bios');
  const hybrid = !bios || (await isolinuxIsHybridCapable(join(tree, BOOT_IMAGE)));
  if (!hybrid) {
    const only = mode === 'both' ? 'under BIOS, the ISO boots from CD only' : 'the ISO boots from CD only';
    warnings.push(`${BOOT_IMAGE} has no isohybrid signature (ISOLINUX before 3.72?): ${only}`);
  }
  const isohybridMbr = hybrid ? (opts.isohybridMbr ?? (await findIsohybridMbr())) : undefined;
  const path = resolve(dest);
  const temp = temporaryName(path);
  const args = xorrisoArgs({
    tree: resolve(tree),
    output: temp,
    volumeId: opts.volumeId,
    preparer: opts.preparer,
    bootMode: mode,
    copyrightFile: opts.copyrightFile,
    isohybridMbr,
    sourceDateEpoch: opts.sourceDateEpoch,
  });
  const untrack = removeOnInterrupt(temp);
  try {
    const run = await execa(xorriso, args, {
      env: xorrisoEnv(opts.sourceDateEpoch),
      extendEnv: false,
      stdin: 'ignore',
      reject: false,
    });
    if (run.exitCode !== 0) {
      const full = diskFullReason(run.stderr);
      if (full !== undefined) throw new InputError(`cannot write ${path}: ${full}`);
      const message = withXorrisoProblem(`${path}: xorriso could not write the ISO`, run.stderr);
      throw FILE_PROBLEM.test(run.stderr) ? new InputError(message) : new ArchiveError(message);
    }
    await syncPath(temp);
    const commit = opts.commit ?? (async (iso: Move) => void (await renameTogether([iso])));
    await commit({ from: temp, to: path });
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  } finally {
    untrack();
  }
  return { path, hybrid, bootMode: mode, warnings };
}
