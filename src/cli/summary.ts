/** What a run prints on stdout when it is not asked for JSON: the summary, or with -q the output paths. */
import type { BundleResult } from '../bundle/run.js';
import type { WrittenOutput } from '../output/publish.js';
import type { RunRecord } from '../output/record.js';
import type { IsoResult } from '../rebuild/run.js';
import { formatBytes, formatSeconds } from './progress.js';

/** `-q`: each output's path on a line of its own, the main one first. */
export function outputPaths(outputs: readonly { readonly path: string }[]): string {
  return outputs.map((output) => `${output.path}\n`).join('');
}

const replaced = (output: WrittenOutput) => (output.replaced ? '; replaced an earlier file' : '');

function stepsLine(record: RunRecord): string {
  const steps = record.steps.map((step) => `${step.name} ${formatSeconds(step.seconds)}`).join(', ');
  return `  steps: ${steps}; ${formatSeconds(record.facts().seconds)} in all`;
}

/** Beside the main output(s): the SHA256SUMS line. */
function sumsLines(outputs: readonly WrittenOutput[]): string[] {
  return outputs.filter((o) => o.kind === 'sha256sums').map((o) => `  checksums in ${o.path}`);
}

const LOCK_STATUS: Readonly<Record<BundleResult['lock']['status'], string>> = {
  written: 'written',
  unchanged: 'unchanged',
  frozen: '--frozen: every input as it records',
};

function find(outputs: readonly WrittenOutput[], kind: WrittenOutput['kind']): WrittenOutput {
  const found = outputs.find((output) => output.kind === kind);
  if (found === undefined) throw new Error(`no ${kind} among the outputs`);
  return found;
}

export function bundleSummary(result: BundleResult, record: RunRecord): string {
  const { manifest, downloads } = result;
  const bundle = find(result.outputs, 'bundle');
  return [
    `built ${bundle.path} (${manifest.flavour}, ${formatBytes(bundle.size)}${replaced(bundle)})`,
    `  sha256 ${bundle.sha256}`,
    ...sumsLines(result.outputs),
    `  lockfile ${result.lock.path} (${LOCK_STATUS[result.lock.status]})`,
    `  Tiny Core ${manifest.tinycore.version} ${manifest.tinycore.arch}, kernel ${manifest.tinycore.kernelVersion}`,
    `  ${manifest.extensions.onboot.length} onboot extensions (${manifest.extensions.builtin.length} with deps), ${manifest.extensions.mirror.length} on the local mirror, ${manifest.gems.length} gems`,
    `  ${downloads.requests} requests, ${formatBytes(downloads.bytesFetched)} fetched, ${formatBytes(downloads.bytesFromCache)} from the cache`,
    stepsLine(record),
    '',
  ].join('\n');
}

const PXE_KINDS = ['kernel', 'initrd', 'cmdline', 'ipxe'] as const;

/** With --pxe: the four files and the command line they boot with. */
function pxeLines(result: IsoResult): string[] {
  if (result.pxe === undefined) return [];
  const files = PXE_KINDS.map((kind) => `  pxe ${find(result.outputs, kind).path}`);
  return [...files, `  pxe kernel command line: ${result.pxe.cmdline}`];
}

export function isoSummary(result: IsoResult, record: RunRecord): string {
  const { initrd } = result;
  const iso = find(result.outputs, 'iso');
  const manifest = find(result.outputs, 'manifest');
  // The BIOS-only ISO's line is as it always was.
  const firmware = { bios: '', uefi: ', UEFI', both: ', BIOS+UEFI' }[result.bootMode];
  return [
    `built ${iso.path} (${result.flavour}, ${formatBytes(iso.size)}${firmware}${result.hybrid ? ', isohybrid' : ''}${replaced(iso)})`,
    `  sha256 ${iso.sha256}`,
    `  manifest ${manifest.path}${manifest.replaced ? ' (replaced an earlier file)' : ''}`,
    ...sumsLines(result.outputs),
    `  initrd ${formatBytes(initrd.originalSize)} → ${formatBytes(initrd.size)} (${initrd.entries} entries; ${initrd.compression})`,
    `  initrd sha256 ${initrd.sha256}`,
    ...(result.bootCodes === undefined ? [] : [`  boot codes ${result.bootCodes}`]),
    ...pxeLines(result),
    stepsLine(record),
    '',
  ].join('\n');
}
