/**
 * The command-specific part of each `--json` document, under stable names
 * (docs/json.md): `bundle`, `iso`, and `plan` for a dry run.
 */
import type { DryRun } from '../bundle/dry-run.js';
import type { BundleResult } from '../bundle/run.js';
import type { BuildPlan } from '../plan/plan.js';
import type { IsoResult } from '../rebuild/run.js';

export function bundleFacts(result: BundleResult) {
  return {
    flavour: result.manifest.flavour,
    downloads: result.downloads,
    lock: result.lock,
    manifest: result.manifest,
  };
}

export function isoFacts(result: IsoResult) {
  const { initrd } = result;
  return {
    flavour: result.flavour,
    version: result.version,
    hybrid: result.hybrid,
    boot: result.bootMode,
    verified: result.verified,
    bootCodes: result.bootCodes ?? null,
    pxe: result.pxe ?? null,
    kernel: result.kernel,
    initrd: {
      path: initrd.path,
      sha256: initrd.sha256,
      size: initrd.size,
      originalSize: initrd.originalSize,
      cpioSize: initrd.cpioSize,
      gzipSize: initrd.gzipSize,
      entries: initrd.entries,
      members: initrd.members,
      encoder: initrd.encoder,
      kept: initrd.kept,
      compression: initrd.compression,
      fallback: initrd.fallback ?? null,
    },
  };
}

export function planFacts(plan: BuildPlan, dry: DryRun) {
  const hasDebs = plan.builtin.debs.length > 0 || plan.mirrorSet.debs.length > 0;
  return {
    flavour: plan.flavour,
    era: plan.tree.era,
    tinycore: { version: plan.mirror.tcVersion, arch: plan.mirror.arch },
    outDir: dry.outDir,
    cacheDir: dry.cacheDir,
    outputs: dry.outputs,
    settings: dry.settings.map(({ setting, value, origin }) => ({ setting, value, origin })),
    inputs: dry.inputs.map(({ url, to, cached }) => ({ url, to, cached })),
    followDeps: plan.followDeps,
    onboot: plan.onboot,
    excluded: plan.excluded,
    sources: {
      gems: plan.gemSource,
      debianMirror: hasDebs ? plan.debian.mirror : null,
    },
  };
}
