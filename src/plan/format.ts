import { type PlannedInput, plannedInputs } from './inputs.js';
import type { BuildPlan, ExtensionSet } from './plan.js';
import { GEM_MIRROR, gemDir, OVERLAY_NAME } from './plan.js';

/** What `--dry-run` adds after an input's line: whether the cache has it. */
export type InputMark = (input: PlannedInput) => string;

const line = (input: PlannedInput, mark: InputMark, indent = '') => `${indent}${input.url} → ${input.to}${mark(input)}`;

function extensionLines(
  set: ExtensionSet,
  inputs: readonly PlannedInput[],
  followDeps: boolean,
  mark: InputMark,
): string[] {
  return [
    `${set.list} extensions → overlay ${set.dir}/${followDeps ? ' (and their .dep closure)' : ''}`,
    ...inputs.filter((input) => input.group === set.list).map((input) => line(input, mark, '  ')),
    ...set.debs.map(
      (deb) => `  Debian package ${deb.package} → ${set.dir}/${deb.name}, ${set.dir}/${deb.name}.md5.txt`,
    ),
  ];
}

function debianLines(plan: BuildPlan, inputs: readonly PlannedInput[], mark: InputMark): string[] {
  const lists = inputs.filter((input) => input.group === 'debian');
  if (lists.length === 0) return [];
  return [
    'Debian package lists (first match wins):',
    ...lists.map((input) => `  ${input.url}${mark(input)}`),
    `Debian archive: ${plan.debian.mirror}/POOL-PATH → checked against the list's SHA256`,
  ];
}

/** The `--dry-run` text: every URL and where it lands; `mark` annotates each input. */
export function formatPlan(plan: BuildPlan, mark: InputMark = () => ''): string {
  const { mirror } = plan;
  const inputs = plannedInputs(plan);
  const lines = [
    `flavour: ${plan.flavour}`,
    `source tree: the ${plan.tree.era} layout`,
    `Tiny Core ${mirror.tcVersion} ${mirror.arch}: kernel ${mirror.boot.kernel}, initrd ${mirror.boot.initrd}`,
    `bundle: ${plan.bundleFile}`,
    '',
    ...inputs.filter((input) => input.group === 'tarballs').map((input) => line(input, mark)),
    `${plan.gemSource} (compact or legacy index) → overlay ${gemDir(plan.tree)}/ (gem.list and runtime deps)`,
    ...(plan.tree.era === '2013' ? [`legacy gem index of those gems → overlay ${GEM_MIRROR}/`] : []),
    '',
    ...extensionLines(plan.builtin, inputs, plan.followDeps, mark),
    `  onboot.lst → overlay tmp/builtin/onboot.lst: ${plan.onboot.join(' ')}`,
    ...(plan.excluded.length > 0 ? [`  left out of a prod image: ${plan.excluded.join(' ')}`] : []),
    ...extensionLines(plan.mirrorSet, inputs, plan.followDeps, mark),
    ...debianLines(plan, inputs, mark),
    '',
    ...plan.symlinks.map((s) => `symlink overlay ${s.path} → ${s.target}`),
    `overlay → bundle dependencies/${OVERLAY_NAME}`,
  ];
  return `${lines.join('\n')}\n`;
}
