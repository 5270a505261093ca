import { existsSync } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { temporaryName, writeSynced } from '../archive/atomic.js';
import { removeOnInterrupt, removeScratchDir, scratchDir } from '../cleanup.js';
import type { IsoArgs } from '../cli/iso-args.js';
import type { Reporter } from '../cli/progress.js';
import { sourceDateEpoch } from '../config/epoch.js';
import type { Flavour } from '../config/flavour.js';
import { systemErrorAsInput } from '../errno.js';
import { InputError } from '../errors.js';
import { sha256File } from '../hash.js';
import { buildInitramfs } from '../initramfs/build.js';
import { chooseEncoder, type Encoder, encoderLabel, type Kept } from '../initramfs/compress.js';
import { formatManifest, type ManifestRecord } from '../initramfs/manifest.js';
import { type BootMode, defaultBootMode, platforms } from '../iso/boot-mode.js';
import { buildIso } from '../iso/build.js';
import { kernelCommandLine } from '../iso/cmdline.js';
import { requireEfiTools } from '../iso/efi.js';
import { checkEfiStub } from '../iso/efi-stub.js';
import { ISOLINUX_CFG } from '../iso/isolinux.js';
import { extractFromIso } from '../iso/read.js';
import { checkVersion, chooseVersion, isoFileName } from '../iso/version.js';
import { publish, type WrittenOutput } from '../output/publish.js';
import type { StepId } from '../output/steps.js';
import { OVERLAY_NAME } from '../overlay/era.js';
import { coreIsoInitrds } from '../tce/core-initrds.js';
import { toolVersion } from '../version.js';
import { openBundle } from './bundle-dir.js';
import { checkOutDir, checkOutputNames, makeOutDir } from './out-dir.js';
import { pxeNames, pxePaths, stagePxe } from './pxe.js';
import { verifyBundle } from './verify.js';

export interface IsoResult {
  /** The ISO, its manifest, then SHA256SUMS beside them. */
  readonly outputs: readonly WrittenOutput[];
  readonly flavour: Flavour;
  readonly version: string;
  /** The Core's kernel, as the ISO boots it. */
  readonly kernel: { readonly path: string; readonly sha256: string };
  readonly initrd: {
    /** In the ISO. */
    readonly path: string;
    readonly sha256: string;
    /** The Core's core.gz (all its initrds, when it boots several). */
    readonly originalSize: number;
    readonly cpioSize: number;
    readonly gzipSize: number;
    readonly size: number;
    /** The encoder that ran (after the default's fallback) and whose output core.gz holds. */
    readonly encoder: Encoder;
    readonly kept: Kept;
    /** gzip members in core.gz, each ending between two cpio entries. */
    readonly members: number;
    readonly compression: string;
    /** Why the default encoder fell back, when it did. */
    readonly fallback?: string;
    readonly entries: number;
  };
  readonly hybrid: boolean;
  /** The firmware the ISO boots under: --boot, else both for an x86_64 Core and bios for x86. */
  readonly bootMode: BootMode;
  /** --boot-codes, as added to every boot entry's command line. */
  readonly bootCodes: string | undefined;
  /** --pxe: the kernel command line the PXE files boot with (the Core's default entry's and the boot codes). */
  readonly pxe: { readonly cmdline: string } | undefined;
  /** False with --no-verify: the bundle's files were not checked against bundle.json. */
  readonly verified: boolean;
}

/** The Core ISO's isolinux.cfg default entry's kernel command line, with the boot codes. */
async function coreCommandLine(coreIso: string, scratch: string, bootCodes: string | undefined): Promise<string> {
  const cfg = join(scratch, 'isolinux.cfg');
  await extractFromIso(coreIso, ISOLINUX_CFG, cfg);
  try {
    return kernelCommandLine(await readFile(cfg, 'latin1'), bootCodes);
  } catch (error) {
    if (error instanceof InputError) throw new InputError(`${coreIso}: ${ISOLINUX_CFG}: ${error.message}`);
    throw error;
  }
}

async function totalSize(paths: readonly string[]): Promise<number> {
  let total = 0;
  for (const path of paths) total += (await stat(path)).size;
  return total;
}

export interface IsoContext {
  readonly env: NodeJS.ProcessEnv;
  readonly report: Reporter;
}

/**
 * The ISO stage, rootless: stream the Core ISO's initramfs through the
 * merge with the bundle's overlays into a new core.gz, then write the ISO
 * and its manifest.
 */
export async function runIso(args: IsoArgs, ctx: IsoContext): Promise<IsoResult> {
  const started = Date.now();
  if (args.version !== undefined) checkVersion(args.version);
  const epoch = sourceDateEpoch(ctx.env);
  // The step running, for errors of the file system that name no file.
  let current: string | undefined;
  const step = (id: StepId, name: string) => {
    current = name;
    ctx.report({ type: 'step', id, name });
  };
  const warn = (message: string) => ctx.report({ type: 'warning', message });
  const encoder = await chooseEncoder(args.compress);
  if (encoder.fallback !== undefined) ctx.report({ type: 'notice', message: encoder.fallback });
  const scratch = await scratchDir('iso-stage');
  let manifestTemp: string | undefined;
  let untrackManifest = () => {};
  let removePxe = async () => {};
  try {
    step('open-bundle', 'bundle');
    const { dir, manifest } = await openBundle(args.bundle, scratch);
    const { version, notice } = chooseVersion(args.version, manifest.version, args.bundle);
    if (notice !== undefined) ctx.report({ type: 'notice', message: notice });
    const isoPath = resolve(args.out, isoFileName(manifest.flavour, version));
    const manifestPath = `${isoPath}.manifest`;
    const pxe = args.pxe ? pxeNames(manifest.flavour, version) : undefined;
    // Before the long work, after what names the bundle's own problems.
    await checkOutDir(args.out);
    await checkOutputNames([isoPath, manifestPath, ...(pxe === undefined ? [] : pxePaths(resolve(args.out), pxe))]);
    const coreIso = join(dir, manifest.tinycore.iso);
    const boot = { kernel: manifest.tinycore.kernel, initrd: manifest.tinycore.initrd } as const;

    if (args.verify) {
      step('verify-bundle', 'verify the bundle');
      await verifyBundle(dir, manifest, args.bundle);
    } else {
      warn(`--no-verify: ${args.bundle} was not checked against its bundle.json`);
    }

    step('read-core-iso', 'read the Core ISO');
    // A Core booting several initrds (rootfs64.gz, modules64.gz) becomes one, at boot.initrd, that every boot
    // entry loads: Razor's iso-metadata.yaml, grub.cfg and the PXE files name one initrd, and the overlay's
    // kernel modules need one modules.dep with the Core's, which a modules64.gz loaded after it would replace.
    const initrds = await coreIsoInitrds(coreIso, boot.initrd, scratch);
    const originals = initrds.map((inside, index) => ({
      inside,
      path: join(scratch, `core.orig-${index}.gz`),
    }));
    const kernel = join(scratch, 'kernel');
    for (const original of originals) await extractFromIso(coreIso, original.inside, original.path);
    await extractFromIso(coreIso, boot.kernel, kernel);
    const kernelHash = await sha256File(kernel);
    const bootMode = args.boot ?? defaultBootMode(manifest.tinycore.arch);
    await checkEfiStub(kernel, boot.kernel, bootMode);
    if (platforms(bootMode).includes('uefi')) await requireEfiTools();
    const cmdline = pxe === undefined ? undefined : await coreCommandLine(coreIso, scratch, args.bootCodes);

    step('merge', 'merge the initramfs');
    const initrd = join(scratch, basename(boot.initrd));
    const header = { iso_version: version, kernel: boot.kernel, kernel_hash: kernelHash, initrd: boot.initrd };
    const built = await buildInitramfs({
      core: originals.map((o) => ({ path: o.path, name: `${manifest.tinycore.iso}:/${o.inside}` })),
      // mkbundle wrote its overlay's owners on purpose (tc's ssh files); the other tarballs carry their packers'.
      overlays: manifest.dependencies.map((d) => ({
        path: join(dir, d),
        name: d,
        owners: d === `dependencies/${OVERLAY_NAME}` ? ('recorded' as const) : ('root' as const),
      })),
      version,
      kernelVersion: manifest.tinycore.kernelVersion,
      out: initrd,
      mtime: epoch ?? Math.floor(started / 1000),
      compression: encoder.encoder,
      compressHooks: {
        onEncode: () => step('compress', `compress core.gz (${encoderLabel(encoder.encoder)})`),
        onProgress: (p) => ctx.report({ type: 'progress', ...p }),
      },
      manifest: (records) => formatManifest(records, header),
    });
    for (const message of built.warnings) warn(message);
    if (initrds.length > 1) {
      ctx.report({
        type: 'notice',
        message: `${manifest.tinycore.iso} boots ${initrds.length} initrds (${initrds.join(', ')}): merged into one, ${boot.initrd}, which every boot entry loads`,
      });
    }
    const initrdHash = await sha256File(initrd);

    step('write-iso', 'write the ISO');
    // The manifest waits under a temporary name beside the ISO: the two (and SHA256SUMS) appear together or not at all.
    const records: readonly ManifestRecord[] = built.records;
    await makeOutDir(args.out);
    const staged = temporaryName(manifestPath);
    manifestTemp = staged;
    untrackManifest = removeOnInterrupt(staged);
    await writeSynced(
      staged,
      manifestPath,
      Readable.from([formatManifest(records, { ...header, initrd_hash: initrdHash })]),
    );
    const pxeFiles =
      pxe === undefined || cmdline === undefined
        ? undefined
        : await stagePxe(resolve(args.out), pxe, {
            kernel,
            initrd,
            cmdline,
            title: `${basename(isoPath, '.iso')}, the Razor Microkernel (${manifest.flavour}) by mkbundle ${toolVersion()}`,
          });
    removePxe = pxeFiles?.remove ?? removePxe;
    let outputs: readonly WrittenOutput[] = [];
    const optional = (name: string) => (existsSync(join(dir, name)) ? join(dir, name) : undefined);
    const iso = await buildIso({
      coreIso,
      boot,
      initramfs: initrd,
      coreInitrds: initrds,
      version,
      flavour: manifest.flavour,
      outDir: args.out,
      copying: optional('COPYING'),
      license: optional('LICENSE'),
      sourceDateEpoch: epoch,
      bootCodes: args.bootCodes,
      workDir: scratch,
      bootMode,
      commit: async (move) => {
        outputs = await publish([
          { kind: 'iso', ...move },
          { kind: 'manifest', from: staged, to: manifestPath },
          ...(pxeFiles?.staged ?? []),
        ]);
      },
    });
    for (const message of iso.warnings) warn(message);
    const { compression } = built;
    return {
      outputs,
      flavour: manifest.flavour,
      version,
      kernel: { path: boot.kernel, sha256: kernelHash },
      initrd: {
        path: boot.initrd,
        sha256: initrdHash,
        originalSize: await totalSize(originals.map((o) => o.path)),
        cpioSize: compression.cpioSize,
        gzipSize: compression.gzipSize,
        size: built.size,
        encoder: compression.encoder,
        kept: compression.kept,
        members: compression.members.length,
        compression: compression.summary,
        ...(encoder.fallback === undefined ? {} : { fallback: encoder.fallback }),
        entries: records.length + 1,
      },
      hybrid: iso.hybrid,
      bootMode: iso.bootMode,
      bootCodes: args.bootCodes,
      pxe: cmdline === undefined ? undefined : { cmdline },
      verified: args.verify,
    };
  } catch (error) {
    throw systemErrorAsInput(error, current);
  } finally {
    // After the rename there is nothing left under the temporary name.
    if (manifestTemp !== undefined) await rm(manifestTemp, { force: true });
    untrackManifest();
    await removePxe();
    await removeScratchDir(scratch);
  }
}
