import { stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The two layouts the Razor-Microkernel project had. 2012 (the wiki's):
 * MCollective and its agents, gems fetched into `opt/gems/`. 2013 (the
 * last tree): no MCollective, gems served at boot from an internal gem
 * mirror in `tmp/gem-mirror/`, `.deb` list entries, `COPYING`/`LICENSE`.
 */
export type Era = '2012' | '2013';

export const ERAS: readonly Era[] = ['2012', '2013'];

/** The MCollective agents only the 2012 layout carries. */
export const MCOLLECTIVE_AGENTS = ['configuration-agent/configuration.rb', 'facter-agent/facteragent.rb'] as const;

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** 2012 when the tree has an MCollective agent, else 2013 (which dropped MCollective). */
export async function detectEra(sourceDir: string): Promise<Era> {
  for (const agent of MCOLLECTIVE_AGENTS) {
    if (await isFile(join(sourceDir, agent))) return '2012';
  }
  return '2013';
}

/** The overlay tarball mkbundle writes: the one whose owners the ISO stage keeps. */
export const OVERLAY_NAME = 'razor-microkernel-overlay.tar.gz';

/**
 * The dependency tarballs the era's build_initial_directories.sh unpacked
 * over the Core, in its order (later wins).
 */
export const MERGE_ORDER: Readonly<Record<Era, readonly string[]>> = {
  '2012': [
    'mk-open-vm-tools.tar.gz',
    'razor-microkernel-overlay.tar.gz',
    'mcollective-setup-files.tar.gz',
    'ssh-setup-files.tar.gz',
  ],
  '2013': ['mk-open-vm-tools.tar.gz', 'razor-microkernel-overlay.tar.gz', 'ssh-setup-files.tar.gz'],
};

/** Where each era's script fetched mk-open-vm-tools.tar.gz from when not told otherwise. */
export const OPEN_VM_TOOLS_URL: Readonly<Record<Era, string>> = {
  '2012': 'https://github.com/downloads/puppetlabs/Razor/mk-open-vm-tools.tar.gz',
  '2013': 'http://downloads.puppetlabs.com/razor/open-vm-tools/mk-open-vm-tools.tar.gz',
};
