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
  /** Mode bits added to the source file's (2013's `chmod +rx opt/boot*.sh`). */
  readonly addMode?: number;
  /** File names a pattern rule leaves out, per flavour. */
  readonly exclude?: Partial<Record<Flavour, readonly string[]>>;
}

const ALL: readonly Flavour[] = ['dev', 'prod', 'debug'];

/** The era of a tree, with what its rules depend on. */
export type TreeLayout = { readonly era: '2012'; readonly mcollectiveDir: string } | { readonly era: '2013' };

/** Where the tree's gem.list lands: beside the fetched gems (2012) or in the gem mirror (2013). */
export function gemListPath(layout: TreeLayout): string {
  return layout.era === '2012' ? 'opt/gems/gem.list' : 'tmp/gem-mirror/gems/gem.list';
}

const required = (from: string, to: string = from): ProfileRule => ({ from, to, dest: 'overlay', need: 'required' });

/** Both eras' rules for the Microkernel's own code and configuration. */
const COMMON: readonly ProfileRule[] = [
  required('etc/init.d/dhcp.sh'),
  required('usr/share/udhcpc/dhcp_mk_config.script'),
  required('rz_mk_*.rb', 'usr/local/bin/'),
  required('razor_microkernel/*.rb', 'usr/local/lib/ruby/1.8/razor_microkernel/'),
  { from: 'tmp/tinycorelinux/*.yaml', to: 'tmp/tinycorelinux/', dest: 'overlay', need: 'optional' },
  required('tmp/first_checkin.yaml'),
  required('tmp/mk_conf.yaml'),
  { from: 'tmp/mk_conf_debug.yaml', to: 'tmp/mk_conf.yaml', dest: 'overlay', need: 'optional', flavours: ['debug'] },
  required('etc/inittab'),
  required('etc/passwd'),
  { ...required('etc/shadow'), flavours: ['dev', 'debug'] },
  { ...required('etc/shadow-nologin', 'etc/shadow'), flavours: ['prod'] },
  {
    from: 'additional-build-files/*.gz',
    to: 'dependencies/',
    dest: 'bundle',
    need: 'optional',
    exclude: { prod: ['ssh-setup-files.tar.gz'] },
  },
];

/** The Razor Microkernel layout of the tree's era, as that era's build-bundle-file.sh copied it. */
export function razorProfile(layout: TreeLayout): readonly ProfileRule[] {
  if (layout.era === '2012') {
    const agents = `usr/local/tce.installed/${layout.mcollectiveDir}/plugins/mcollective/agent/`;
    return [
      ...COMMON,
      {
        from: 'configuration-agent/configuration.rb',
        to: `${agents}configuration.rb`,
        dest: 'overlay',
        need: 'optional',
      },
      { from: 'facter-agent/facteragent.rb', to: `${agents}facteragent.rb`, dest: 'overlay', need: 'optional' },
      required('opt/bootsync.sh'),
      required('opt/gems/gem.list', gemListPath(layout)),
      { from: 'COPYING', to: 'COPYING', dest: 'bundle', need: 'optional' },
      { from: 'LICENSE', to: 'LICENSE', dest: 'bundle', need: 'optional' },
    ];
  }
  return [
    ...COMMON,
    { ...required('opt/boot*.sh', 'opt/'), addMode: 0o555 },
    required('opt/gems/gem.list', gemListPath(layout)),
    required('rz_mk_gemrc.yaml', 'root/.gemrc'),
    { from: 'COPYING', to: 'COPYING', dest: 'bundle', need: 'required' },
    { from: 'LICENSE', to: 'LICENSE', dest: 'bundle', need: 'required' },
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
