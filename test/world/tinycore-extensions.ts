/**
 * The extensions of the Tiny Core test world: every name in the seed's
 * default lists plus util-linux.tcz, each a small tree whose programs are
 * busybox `sh` scripts printing a marker, and a dependency graph of the
 * world's own design that covers: a chain three edges deep, a `-KERNEL`
 * dep, a loop, no `.dep` at all (404), an empty `.dep`, and, on extensions
 * the builtin list pulls in, `.dep` files that are hostile but real: CRLF
 * with blank lines and stray blanks (lshw), a `#` comment line (ruby), a
 * bare name without `.tcz` (openssl-1.0.0). Tiny Core's tce-load fails on
 * each of these three unless they are rewritten. Each default list is
 * closed under its deps, so walking deps or not gives the same set for the
 * defaults.
 */
import { gzipSync } from 'node:zlib';
import { dir, file, hardlink, script, symlink, type TreeNode } from './tinycore-tree.js';

export const BUILTIN_EXTENSIONS = [
  'bash.tcz',
  'dmidecode.tcz',
  'firmware-bnx2.tcz',
  'gcc_libs.tcz',
  'libssl-0.9.8.tcz',
  'lshw.tcz',
  'openssh.tcz',
  'openssl-1.0.0.tcz',
  'ruby.tcz',
  'scsi-3.0.21-tinycore.tcz',
] as const;

export const MIRROR_EXTENSIONS = [
  'fuse.tcz',
  'glib2-dev.tcz',
  'glib2.tcz',
  'libdnet.tcz',
  'libffi-dev.tcz',
  'libffi.tcz',
  'ncurses-common.tcz',
  'ncurses.tcz',
  'perl5.tcz',
  'procps.tcz',
] as const;

/** The seed's additional-build-files lists, as files. */
export const builtinList = `${BUILTIN_EXTENSIONS.join('\n')}\n`;
export const mirrorList = `${MIRROR_EXTENSIONS.join('\n')}\n`;
export const utilLinuxExecList = 'usr/local/sbin/sfdisk\nusr/local/bin/lscpu\n';

export interface ExtensionSpec {
  readonly name: string;
  /** The `.dep` file as served (null: none, the mirror answers 404). */
  readonly dep: string | null;
  readonly tree: readonly TreeNode[];
}

/** What a world program prints: `MKWORLD-EXT ruby`, or `MKWORLD-EXT util-linux lscpu` for a second program. */
export function extensionMarker(name: string, program: string): string {
  const stem = name.replace(/\.tcz$/, '');
  return program === stem ? `MKWORLD-EXT ${stem}` : `MKWORLD-EXT ${stem} ${program}`;
}

const program = (name: string, path: string, mode = 0o755): TreeNode =>
  script(path, `echo "${extensionMarker(name, path.slice(path.lastIndexOf('/') + 1))}" "$@"\n`, mode);

const lib = (path: string, soname: string): TreeNode[] => [
  file(path, `MKWORLD shared object ${soname}\n`, 0o755),
  symlink(`${path.slice(0, path.lastIndexOf('/') + 1)}${soname}`, path.slice(path.lastIndexOf('/') + 1)),
];

/** Deterministic bytes that do not compress, so a file spans several 4 KiB blocks for real. */
function noise(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** The kernel of Core 4.x x86, which the seed's builtin list names. */
export const DEFAULT_KERNEL_VERSION = '3.0.21-tinycore';

/** A kernel modules extension, what `scsi-KERNEL.tcz` names. */
function scsiModules(kernelVersion: string): ExtensionSpec {
  const module = gzipSync(Buffer.from('MKWORLD placeholder module sr_mod\n'), { level: 9 });
  return {
    name: `scsi-${kernelVersion}.tcz`,
    dep: null,
    tree: [file(`usr/local/lib/modules/${kernelVersion}/kernel/drivers/scsi/sr_mod.ko.gz`, module)],
  };
}

/** The world's extensions; `kernelVersion` names the KERNEL-substituted module extension. */
export function worldExtensions(kernelVersion: string): ExtensionSpec[] {
  const specs: ExtensionSpec[] = [
    { name: 'bash.tcz', dep: null, tree: [program('bash.tcz', 'usr/local/bin/bash')] },
    { name: 'dmidecode.tcz', dep: null, tree: [program('dmidecode.tcz', 'usr/local/sbin/dmidecode')] },
    {
      name: 'firmware-bnx2.tcz',
      dep: null,
      tree: [file('lib/firmware/bnx2/bnx2-mips-09-6.2.1a.fw', noise(20_000, 2))],
    },
    {
      name: 'gcc_libs.tcz',
      dep: null,
      tree: [
        ...lib('usr/local/lib/libstdc++.so.6.0.14', 'libstdc++.so.6'),
        ...lib('usr/local/lib/libgcc_s.so.1', 'libgcc_s.so'),
      ],
    },
    {
      name: 'libssl-0.9.8.tcz',
      dep: 'gcc_libs.tcz\n',
      tree: [
        ...lib('usr/local/lib/libssl.so.0.9.8', 'libssl.so.0'),
        ...lib('usr/local/lib/libcrypto.so.0.9.8', 'libcrypto.so.0'),
      ],
    },
    {
      name: 'lshw.tcz',
      // Tabs, stray blanks, CRLF and an empty line: tce-load's parsing copes, so must ours.
      dep: 'gcc_libs.tcz\r\n\r\n  scsi-KERNEL.tcz \t\r\n',
      tree: [
        program('lshw.tcz', 'usr/local/sbin/lshw'),
        file('usr/local/share/lshw/pci.ids', '8086  Intel Corporation\n'),
      ],
    },
    {
      name: 'openssh.tcz',
      dep: 'openssl-1.0.0.tcz\n',
      tree: [
        program('openssh.tcz', 'usr/local/sbin/sshd'),
        program('openssh.tcz', 'usr/local/bin/ssh'),
        file('usr/local/etc/ssh/sshd_config.example', 'PermitRootLogin no\n'),
        dir('usr/local/var/empty', 0o711),
        script('usr/local/tce.installed/openssh', '/usr/local/sbin/sshd\n/usr/local/bin/ssh\n', 0o775),
      ],
    },
    {
      name: 'openssl-1.0.0.tcz',
      // A bare name: tce-load looks for a file `libssl-0.9.8`.
      dep: 'libssl-0.9.8\n',
      tree: [
        program('openssl-1.0.0.tcz', 'usr/local/bin/openssl'),
        ...lib('usr/local/lib/libssl.so.1.0.0', 'libssl.so'),
      ],
    },
    {
      name: 'ruby.tcz',
      // tce-load takes every word of a comment for a dependency.
      dep: '# ruby 1.8.7 links against these\nopenssl-1.0.0.tcz\ngcc_libs.tcz\n',
      tree: [
        program('ruby.tcz', 'usr/local/bin/ruby'),
        program('ruby.tcz', 'usr/local/bin/irb'),
        file('usr/local/lib/ruby/1.8/English.rb', '# MKWORLD ruby library\n'),
        ...lib('usr/local/lib/libruby.so.1.8.7', 'libruby.so.1.8'),
      ],
    },
    scsiModules(kernelVersion),
    {
      name: 'fuse.tcz',
      dep: null,
      tree: [
        program('fuse.tcz', 'usr/local/bin/fusermount', 0o4755),
        ...lib('usr/local/lib/libfuse.so.2.8.5', 'libfuse.so.2'),
      ],
    },
    {
      name: 'glib2-dev.tcz',
      dep: 'glib2.tcz\nlibffi-dev.tcz\n',
      tree: [
        file('usr/local/include/glib-2.0/glib.h', '/* MKWORLD glib2-dev */\n'),
        file('usr/local/lib/pkgconfig/glib-2.0.pc', 'Name: GLib\nVersion: 2.30.2\n'),
      ],
    },
    {
      name: 'glib2.tcz',
      dep: 'libffi.tcz\n',
      tree: [...lib('usr/local/lib/libglib-2.0.so.0.3000.2', 'libglib-2.0.so.0')],
    },
    { name: 'libdnet.tcz', dep: null, tree: [...lib('usr/local/lib/libdnet.so.1.0.1', 'libdnet.so.1')] },
    {
      name: 'libffi-dev.tcz',
      dep: 'libffi.tcz\n',
      tree: [file('usr/local/include/ffi.h', '/* MKWORLD libffi-dev */\n')],
    },
    { name: 'libffi.tcz', dep: null, tree: [...lib('usr/local/lib/libffi.so.5.0.10', 'libffi.so.5')] },
    // ncurses and ncurses-common need each other: tce-load warns and goes on.
    {
      name: 'ncurses-common.tcz',
      dep: 'ncurses.tcz\n',
      tree: [file('usr/local/share/terminfo/l/linux', 'MKWORLD terminfo linux\n')],
    },
    {
      name: 'ncurses.tcz',
      dep: 'ncurses-common.tcz\n',
      tree: [...lib('usr/local/lib/libncurses.so.5.9', 'libncurses.so.5')],
    },
    // A .dep that exists but lists nothing.
    {
      name: 'perl5.tcz',
      dep: '\n',
      tree: [program('perl5.tcz', 'usr/local/bin/perl'), hardlink('usr/local/bin/perl5.12.4', 'usr/local/bin/perl')],
    },
    {
      name: 'procps.tcz',
      dep: 'ncurses.tcz\n',
      tree: [program('procps.tcz', 'usr/local/bin/ps'), program('procps.tcz', 'usr/local/bin/top')],
    },
    {
      name: 'util-linux.tcz',
      dep: null,
      tree: [
        program('util-linux.tcz', 'usr/local/sbin/sfdisk'),
        program('util-linux.tcz', 'usr/local/bin/lscpu'),
        program('util-linux.tcz', 'usr/local/sbin/fdisk'),
        program('util-linux.tcz', 'usr/local/bin/more'),
        ...lib('usr/local/lib/libblkid.so.1.1.0', 'libblkid.so.1'),
        file('usr/local/share/doc/util-linux/README', 'MKWORLD util-linux\n'),
      ],
    },
  ];
  // The default builtin list names the 4.x x86 module extension literally.
  if (kernelVersion !== DEFAULT_KERNEL_VERSION) specs.push(scsiModules(DEFAULT_KERNEL_VERSION));
  return specs.map(withStartupScript);
}

/**
 * Gives an extension a `usr/local/tce.installed/NAME` start-up script (Tiny
 * Core runs it once everything is loaded) that runs its programs, so a boot
 * shows each onboot extension both mounted and working.
 */
function withStartupScript(spec: ExtensionSpec): ExtensionSpec {
  if (spec.tree.some((node) => node.path.startsWith('usr/local/tce.installed/'))) return spec;
  const stem = spec.name.replace(/\.tcz$/, '');
  const programs = spec.tree.filter((node) => node.kind === 'file' && /^usr\/local\/s?bin\//.test(node.path));
  const body =
    programs.length === 0
      ? `echo "${extensionMarker(spec.name, stem)}"\n`
      : programs.map((p) => `/${p.path}\n`).join('');
  return { ...spec, tree: [...spec.tree, script(`usr/local/tce.installed/${stem}`, body, 0o775)] };
}

/** The `.info` file of a world extension. */
export function infoFile(name: string, size: number): string {
  return [
    `Title:          ${name}`,
    `Description:    mkbundle test world extension ${name.replace(/\.tcz$/, '')}`,
    'Version:        1.0-mkworld',
    'Author:         mkbundle test world',
    'Original-site:  http://127.0.0.1/',
    'Copying-policy: Apache-2.0',
    `Size:           ${Math.ceil(size / 1024)}K`,
    'Extension_by:   mkworld',
    'Tags:           test world',
    'Comments:       Generated for mkbundle loopback tests.',
    '                Programs print an MKWORLD-EXT marker.',
    'Change-log:     2012/03/01 first version',
    'Current:        2012/03/01 first version',
    '',
  ].join('\n');
}
