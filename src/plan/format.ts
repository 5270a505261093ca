import { extensionFileName, extensionUrl } from '../tce/mirror.js';
import type { BuildPlan, ExtensionSet } from './plan.js';
import { GEM_MIRROR, gemDir, OVERLAY_NAME } from './plan.js';

function extensionLines(set: ExtensionSet, tczUrl: string, followDeps: boolean): string[] {
  const lines = [`${set.list} extensions → overlay ${set.dir}/${followDeps ? ' (and their .dep closure)' : ''}`];
  for (const name of set.names) {
    for (const file of set.files) {
      lines.push(`  ${extensionUrl(tczUrl, name, file)} → ${set.dir}/${extensionFileName(name, file)}`);
    }
  }
  for (const deb of set.debs) {
    lines.push(`  Debian package ${deb.package} → ${set.dir}/${deb.name}, ${set.dir}/${deb.name}.md5.txt`);
  }
  return lines;
}

function debianLines(plan: BuildPlan): string[] {
  if (plan.builtin.debs.length === 0 && plan.mirrorSet.debs.length === 0) return [];
  return [
    `Debian package lists (first match wins): ${plan.debian.packageLists.join(' ')}`,
    `Debian archive: ${plan.debian.mirror}/POOL-PATH → checked against the list's SHA256`,
  ];
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
    `${plan.openVmTools.url} → bundle dependencies/${plan.openVmTools.file}`,
    `${plan.gemSource} (compact or legacy index) → overlay ${gemDir(plan.tree)}/ (gem.list and runtime deps)`,
    ...(plan.tree.era === '2013' ? [`legacy gem index of those gems → overlay ${GEM_MIRROR}/`] : []),
    '',
    ...extensionLines(plan.builtin, mirror.tczUrl, plan.followDeps),
    `  onboot.lst → overlay tmp/builtin/onboot.lst: ${plan.onboot.join(' ')}`,
    ...(plan.excluded.length > 0 ? [`  left out of a prod image: ${plan.excluded.join(' ')}`] : []),
    ...extensionLines(plan.mirrorSet, mirror.tczUrl, plan.followDeps),
    ...debianLines(plan),
    '',
    ...plan.symlinks.map((s) => `symlink overlay ${s.path} → ${s.target}`),
    `overlay → bundle dependencies/${OVERLAY_NAME}`,
  ];
  return `${lines.join('\n')}\n`;
}
