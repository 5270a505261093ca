import type { Flavour } from '../config/flavour.js';

/** Where a copied file lands: inside the overlay tarball or at the bundle's top level. */
export type Destination = 'overlay' | 'bundle';

/**
 * One line of the Razor profile: copy `from` (relative to the Microkernel
 * source tree; a `*` in the last segment makes it a pattern and `to` a
 * directory) to `to`. Later rules replace earlier ones with the same target.
 */
export interface ProfileRule {
  readonly from: string;
  readonly to: string;
  readonly dest: Destination;
  readonly need: 'required' | 'optional';
  readonly flavours?: readonly Flavour[];
  /** File names a pattern rule leaves out, per flavour. */
  readonly exclude?: Partial<Record<Flavour, readonly string[]>>;
}

const ALL: readonly Flavour[] = ['dev', 'prod', 'debug'];

/** The Razor Microkernel layout, as build-bundle-file.sh copied it. */
export function razorProfile(mcollectiveDir: string): readonly ProfileRule[] {
  const agents = `usr/local/tce.installed/${mcollectiveDir}/plugins/mcollective/agent/`;
  return [
    { from: 'etc/init.d/dhcp.sh', to: 'etc/init.d/dhcp.sh', dest: 'overlay', need: 'required' },
    {
      from: 'usr/share/udhcpc/dhcp_mk_config.script',
      to: 'usr/share/udhcpc/dhcp_mk_config.script',
      dest: 'overlay',
      need: 'required',
    },
    { from: 'rz_mk_*.rb', to: 'usr/local/bin/', dest: 'overlay', need: 'required' },
    {
      from: 'razor_microkernel/*.rb',
      to: 'usr/local/lib/ruby/1.8/razor_microkernel/',
      dest: 'overlay',
      need: 'required',
    },
    {
      from: 'configuration-agent/configuration.rb',
      to: `${agents}configuration.rb`,
      dest: 'overlay',
      need: 'optional',
    },
    { from: 'facter-agent/facteragent.rb', to: `${agents}facteragent.rb`, dest: 'overlay', need: 'optional' },
    { from: 'opt/bootsync.sh', to: 'opt/bootsync.sh', dest: 'overlay', need: 'required' },
    { from: 'opt/gems/gem.list', to: 'opt/gems/gem.list', dest: 'overlay', need: 'required' },
    { from: 'tmp/tinycorelinux/*.yaml', to: 'tmp/tinycorelinux/', dest: 'overlay', need: 'optional' },
    { from: 'tmp/first_checkin.yaml', to: 'tmp/first_checkin.yaml', dest: 'overlay', need: 'required' },
    { from: 'tmp/mk_conf.yaml', to: 'tmp/mk_conf.yaml', dest: 'overlay', need: 'required' },
    { from: 'tmp/mk_conf_debug.yaml', to: 'tmp/mk_conf.yaml', dest: 'overlay', need: 'optional', flavours: ['debug'] },
    { from: 'etc/inittab', to: 'etc/inittab', dest: 'overlay', need: 'required' },
    { from: 'etc/passwd', to: 'etc/passwd', dest: 'overlay', need: 'required' },
    { from: 'etc/shadow', to: 'etc/shadow', dest: 'overlay', need: 'required', flavours: ['dev', 'debug'] },
    { from: 'etc/shadow-nologin', to: 'etc/shadow', dest: 'overlay', need: 'required', flavours: ['prod'] },
    {
      from: 'additional-build-files/*.gz',
      to: 'dependencies/',
      dest: 'bundle',
      need: 'optional',
      exclude: { prod: ['ssh-setup-files.tar.gz'] },
    },
    { from: 'COPYING', to: 'COPYING', dest: 'bundle', need: 'optional' },
    { from: 'LICENSE', to: 'LICENSE', dest: 'bundle', need: 'optional' },
  ];
}

export function appliesTo(rule: ProfileRule, flavour: Flavour): boolean {
  return (rule.flavours ?? ALL).includes(flavour);
}

export function isPattern(rule: ProfileRule): boolean {
  return rule.from.includes('*');
}

/** Matches a file name against the last segment of a pattern rule (`*` = any run of characters). */
export function matchesPattern(pattern: string, name: string): boolean {
  const last = pattern.slice(pattern.lastIndexOf('/') + 1);
  const [prefix = '', suffix = ''] = last.split('*');
  return name.length >= prefix.length + suffix.length && name.startsWith(prefix) && name.endsWith(suffix);
}
