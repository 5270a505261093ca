import { basename } from 'node:path';
import type { DryRun } from '../bundle/dry-run.js';
import type { BundleOptions } from '../config/options.js';
import { formatOrigins } from '../config/origins.js';
import { formatPlan } from '../plan/format.js';
import type { BuildPlan } from '../plan/plan.js';

/** The `--dry-run` text: the settings, where the run writes and reads, and every input with whether it is cached. */
export function dryRunText(options: BundleOptions, plan: BuildPlan, dry: DryRun): string {
  const cached = new Set(dry.inputs.filter((input) => input.cached).map((input) => input.url));
  const outputs = dry.outputs.map(
    (output) => `  ${output.path}${output.replaces ? ` (replaces the ${basename(output.path)} there)` : ''}`,
  );
  return [
    formatOrigins(options, plan.tree.era),
    'writes:',
    ...outputs,
    `download cache: ${dry.cacheDir} (has ${cached.size} of the ${dry.inputs.length} inputs below)`,
    '',
    formatPlan(plan, (input) => (cached.has(input.url) ? '  [cached]' : '')),
  ].join('\n');
}
