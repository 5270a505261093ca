import { extensionFileName, extensionUrl } from '../tce/mirror.js';
import type { BuildPlan, ExtensionSet } from './plan.js';
import { OVERLAY_NAME } from './plan.js';

function extensionLines(set: ExtensionSet, tczUrl: string, followDeps: boolean): string[] {
  const lines = [`${set.list} extensions → overlay ${set.dir}/${followDeps ? ' (and their .dep closure)' : ''}`];
  for (const name of set.names) {
    for (const file of set.files) {
      lines.push(`  ${extensionUrl(tczUrl, name, file)} → ${set.dir}/${extensionFileName(name, file)}`);
    }
  }
  return lines;
}

/** The `--dry-run` text: every URL and where it lands. */
export function formatPlan(plan: BuildPlan): string {
  const { mirror } = plan;
  const lines = [
    `flavour: ${plan.flavour}`,
    `source tree: the ${plan.tree.era} layout`,
    `Tiny Core ${mirror.tcVersion} ${mirror.arch}: kernel ${mirror.boot.kernel}, initrd ${mirror.boot.initrd}`,
    `bundle: ${plan.bundleFile}`,
    '',
    `${mirror.isoUrl} → bundle ${plan.coreIso.file}`,
    `${plan.rubygems.url} → overlay opt/${plan.rubygems.file}`,
    ...(plan.tree.era === '2012'
      ? [`${plan.tree.mcollective.url} → unpacked in overlay usr/local/tce.installed/${plan.tree.mcollective.dir}/`]
      : []),
    `${extensionUrl(mirror.tczUrl, plan.utilLinux.name)} → overlay ${plan.utilLinux.paths.join(', ')}`,
    ...(plan.openVmTools ? [`${plan.openVmTools.url} → bundle dependencies/${plan.openVmTools.file}`] : []),
    `${plan.gemSource}/info/NAME, /gems/NAME-VERSION.gem → overlay opt/gems/ (gem.list and runtime deps)`,
    '',
    ...extensionLines(plan.builtin, mirror.tczUrl, plan.followDeps),
    `  onboot.lst → overlay tmp/builtin/onboot.lst: ${plan.builtin.names.join(' ')}`,
    ...(plan.excluded.length > 0 ? [`  left out of a prod image: ${plan.excluded.join(' ')}`] : []),
    ...extensionLines(plan.mirrorSet, mirror.tczUrl, plan.followDeps),
    '',
    ...plan.symlinks.map((s) => `symlink overlay ${s.path} → ${s.target}`),
    `overlay → bundle dependencies/${OVERLAY_NAME}`,
  ];
  return `${lines.join('\n')}\n`;
}
