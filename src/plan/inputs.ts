import type { DownloadKind } from '../fetch/size-limit.js';
import { extensionFileName, extensionUrl, isoMd5Url } from '../tce/mirror.js';
import type { BuildPlan, ExtensionSet } from './plan.js';

/** A download the plan names before any request, and where it lands. */
export interface PlannedInput {
  readonly url: string;
  /** Where it goes, as `--dry-run` says it: `bundle Core-current.iso`, `tmp/builtin/optional/bash.tcz`. */
  readonly to: string;
  readonly kind: DownloadKind;
  /** A 404 means "none" (a `.dep`). */
  readonly optional: boolean;
  /** Which block of the plan it belongs to. */
  readonly group: 'tarballs' | 'builtin' | 'mirror' | 'debian';
}

function setInputs(set: ExtensionSet, tczUrl: string): PlannedInput[] {
  return set.names.flatMap((name) =>
    set.files.map((file) => ({
      url: extensionUrl(tczUrl, name, file),
      to: `${set.dir}/${extensionFileName(name, file)}`,
      kind: file === 'tcz' ? ('payload' as const) : ('metadata' as const),
      optional: file === 'dep',
      group: set.list,
    })),
  );
}

/**
 * Every URL the plan names, in the plan's order. Not in it: what only the
 * answers tell (the `.dep` closure, gems, the `.deb` files a Packages index
 * points to).
 */
export function plannedInputs(plan: BuildPlan): PlannedInput[] {
  const { mirror } = plan;
  const tarball = (url: string, to: string): PlannedInput => ({
    url,
    to,
    kind: 'payload',
    optional: false,
    group: 'tarballs',
  });
  const utilLinux = extensionUrl(mirror.tczUrl, plan.utilLinux.name);
  const hasDebs = plan.builtin.debs.length > 0 || plan.mirrorSet.debs.length > 0;
  return [
    tarball(mirror.isoUrl, `bundle ${plan.coreIso.file}`),
    {
      url: isoMd5Url(mirror.isoUrl),
      to: `checks ${plan.coreIso.file}`,
      kind: 'metadata',
      optional: true,
      group: 'tarballs',
    },
    tarball(plan.rubygems.url, `overlay opt/${plan.rubygems.file}`),
    ...(plan.tree.era === '2012'
      ? [
          tarball(
            plan.tree.mcollective.url,
            `unpacked in overlay usr/local/tce.installed/${plan.tree.mcollective.dir}/`,
          ),
        ]
      : []),
    tarball(utilLinux, `overlay ${plan.utilLinux.paths.join(', ')}`),
    {
      url: extensionUrl(mirror.tczUrl, plan.utilLinux.name, 'md5.txt'),
      to: `checks ${plan.utilLinux.name}`,
      kind: 'metadata',
      optional: false,
      group: 'tarballs',
    },
    tarball(plan.openVmTools.url, `bundle dependencies/${plan.openVmTools.file}`),
    ...setInputs(plan.builtin, mirror.tczUrl),
    ...setInputs(plan.mirrorSet, mirror.tczUrl),
    ...(hasDebs
      ? plan.debian.packageLists.map((url) => ({
          url,
          to: 'Debian package index',
          kind: 'index' as const,
          optional: false,
          group: 'debian' as const,
        }))
      : []),
  ];
}
