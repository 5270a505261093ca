import { constants } from 'node:fs';
import { access, chmod, copyFile, lstat, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorText } from '../errno.js';
import { InputError } from '../errors.js';
import { sha256File } from '../hash.js';
import type { BootFiles } from '../tce/mirror.js';
import { BOOT_CATALOG, BOOT_IMAGE } from './args.js';
import { appendBootCodes } from './cmdline.js';
import { ISOLINUX_CFG, rewriteInitrds, shortenBootTimeout, timeoutWarning } from './isolinux.js';
import { type IsoMetadata, isoMetadataYaml, METADATA_FILE } from './metadata.js';
import { extractFromIso } from './read.js';
import { checkVersion } from './version.js';

export interface IsoTreeSpec {
  /** The Core ISO whose `boot/` tree the new ISO starts from. */
  readonly coreIso: string;
  /** Where kernel and initramfs sit for the Core ISO's architecture. */
  readonly boot: BootFiles;
  /** The new initramfs, in place of Core's `boot/core.gz` (or `corepure64.gz`). */
  readonly initramfs: string;
  /**
   * The Core's initramfs files in load order, when its boot menu loads
   * several (`boot/rootfs64.gz`, `boot/modules64.gz`); `boot.initrd` alone by default.
   */
  readonly coreInitrds?: readonly string[] | undefined;
  readonly version: string;
  /** `iso_build_time`: SOURCE_DATE_EPOCH in a reproducible build. */
  readonly buildTime: Date;
  /** Copied to the ISO's root as `COPYING` and `LICENSE`, as the original did. */
  readonly copying?: string | undefined;
  readonly license?: string | undefined;
  /** Added to every `append` line of isolinux.cfg (see appendBootCodes). */
  readonly bootCodes?: string | undefined;
}

export interface IsoTree {
  readonly dir: string;
  readonly metadata: IsoMetadata;
  /** The root file to name with `-copyright`: LICENSE, else COPYING. */
  readonly copyrightFile: 'LICENSE' | 'COPYING' | undefined;
  /** One-line notes for the user (a timeout that was not Core's). */
  readonly warnings: readonly string[];
}

/** xorriso keeps the image's modes, often read-only; the tree must be writable to edit it. */
async function makeWritable(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await makeWritable(path);
    else if (entry.isFile()) await chmod(path, 0o644);
  }
}

async function requireFile(tree: string, inside: string, iso: string, hint: string): Promise<void> {
  const isFile = await lstat(join(tree, inside)).then(
    (stat) => stat.isFile(),
    () => false,
  );
  if (!isFile) throw new InputError(`${iso}: no ${inside} in the ISO (${hint})`);
}

async function copyIn(source: string, dest: string, what: string): Promise<void> {
  try {
    await copyFile(source, dest);
    await chmod(dest, 0o644);
  } catch (error) {
    throw new InputError(`cannot copy ${what} ${source} into the ISO tree: ${errorText(error)}`, { cause: error });
  }
}

/**
 * Lays out the new ISO's tree in `dir` (new or empty), rootless: Core's
 * `boot/` copied out with xorriso, the new initramfs in place of Core's
 * (all of `coreInitrds`, which isolinux.cfg then names no more),
 * isolinux.cfg's `timeout 300` shortened to `timeout 100`, the stale boot
 * catalog dropped (xorriso writes a new one), COPYING and LICENSE at the
 * root when given, and iso-metadata.yaml describing kernel and initramfs.
 */
export async function prepareIsoTree(dir: string, spec: IsoTreeSpec): Promise<IsoTree> {
  const version = checkVersion(spec.version);
  try {
    await access(spec.coreIso, constants.R_OK);
  } catch (error) {
    throw new InputError(`cannot read the Core ISO ${spec.coreIso}: ${errorText(error)}`, { cause: error });
  }
  await mkdir(dir, { recursive: true });
  await extractFromIso(spec.coreIso, 'boot', join(dir, 'boot'));
  await makeWritable(join(dir, 'boot'));

  const archHint = `is it a Core ISO for ${spec.boot.kernel.endsWith('64') ? 'x86_64' : 'x86'}?`;
  await requireFile(dir, spec.boot.kernel, spec.coreIso, archHint);
  const coreInitrds = spec.coreInitrds ?? [spec.boot.initrd];
  for (const initrd of coreInitrds) await requireFile(dir, initrd, spec.coreIso, archHint);
  await requireFile(dir, BOOT_IMAGE, spec.coreIso, 'the new ISO boots with ISOLINUX');
  await requireFile(dir, ISOLINUX_CFG, spec.coreIso, 'the new ISO boots with ISOLINUX');
  await rm(join(dir, BOOT_CATALOG), { force: true });

  // The new initramfs holds all of the Core's (see runIso): every boot entry now loads it alone, so the old files go.
  for (const initrd of coreInitrds) await rm(join(dir, initrd), { force: true });
  await copyIn(spec.initramfs, join(dir, spec.boot.initrd), 'the initramfs');
  const cfg = rewriteInitrds(await readFile(join(dir, ISOLINUX_CFG), 'latin1'), coreInitrds, spec.boot.initrd);
  const edit = shortenBootTimeout(cfg);
  // latin1 both ways: every byte of the file comes back as it was, whatever its encoding.
  await writeFile(join(dir, ISOLINUX_CFG), appendBootCodes(edit.text, spec.bootCodes), 'latin1');
  if (spec.copying !== undefined) await copyIn(spec.copying, join(dir, 'COPYING'), 'COPYING');
  if (spec.license !== undefined) await copyIn(spec.license, join(dir, 'LICENSE'), 'LICENSE');

  const metadata: IsoMetadata = {
    isoVersion: version,
    boot: spec.boot,
    kernelHash: await sha256File(join(dir, spec.boot.kernel)),
    initrdHash: await sha256File(join(dir, spec.boot.initrd)),
    buildTime: spec.buildTime,
  };
  await writeFile(join(dir, METADATA_FILE), isoMetadataYaml(metadata), { mode: 0o644 });
  const warning = timeoutWarning(edit);
  return {
    dir,
    metadata,
    copyrightFile: spec.license !== undefined ? 'LICENSE' : spec.copying !== undefined ? 'COPYING' : undefined,
    warnings: warning === undefined ? [] : [warning],
  };
}
