/**
 * The MCollective, RubyGems and open-vm-tools tarballs of the test world,
 * shaped like the real 2012 releases the seed downloads, plus hostile
 * MCollective variants for the safe-extraction tests. Made in memory (node-tar's header encoder,
 * node's gzip): the same bytes every time.
 */
import { gzipSync } from 'node:zlib';
import { Header } from 'tar';

export type TarballEntry =
  | { readonly type: 'dir'; readonly path: string; readonly mode?: number }
  | { readonly type: 'file'; readonly path: string; readonly data: string | Buffer; readonly mode?: number }
  | { readonly type: 'symlink'; readonly path: string; readonly target: string }
  | { readonly type: 'hardlink'; readonly path: string; readonly target: string };

/** 2012-04-05, about MCollective 2.0.0's release. */
export const TARBALL_MTIME = 1_333_584_000;

const BLOCK = 512;
const TYPES = { dir: 'Directory', file: 'File', symlink: 'SymbolicLink', hardlink: 'Link' } as const;

/** A gzipped ustar archive of `entries` in the given order: root-owned, one mtime, no gzip name or time. */
export function tarGz(entries: readonly TarballEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const data = entry.type === 'file' ? Buffer.from(entry.data) : Buffer.alloc(0);
    const header = new Header({
      path: entry.type === 'dir' && !entry.path.endsWith('/') ? `${entry.path}/` : entry.path,
      mode: entry.type === 'dir' ? (entry.mode ?? 0o755) : entry.type === 'file' ? (entry.mode ?? 0o644) : 0o777,
      uid: 0,
      gid: 0,
      uname: 'root',
      gname: 'root',
      size: data.length,
      mtime: new Date(TARBALL_MTIME * 1000),
      type: TYPES[entry.type],
      ...(entry.type === 'symlink' || entry.type === 'hardlink' ? { linkpath: entry.target } : {}),
    });
    const block = Buffer.alloc(BLOCK);
    if (header.encode(block, 0)) throw new Error(`test world: tar entry needs pax headers: ${entry.path}`);
    parts.push(block, data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return gzipSync(Buffer.concat(parts), { level: 9 });
}

export const MCOLLECTIVE_TOP = 'mcollective-2.0.0';
export const RUBYGEMS_TOP = 'rubygems-1.8.24';

const ruby = (marker: string) => `#!/usr/bin/env ruby\n# mkbundle test world\nputs "${marker}"\n`;

/** MCollective 2.0.0's shape: bin, lib, plugins, etc under one top directory. */
export function mcollectiveEntries(): TarballEntry[] {
  const at = (path: string) => `${MCOLLECTIVE_TOP}/${path}`;
  return [
    { type: 'dir', path: MCOLLECTIVE_TOP },
    { type: 'file', path: at('COPYING'), data: 'Apache License, Version 2.0 (test world copy)\n' },
    { type: 'dir', path: at('bin') },
    { type: 'file', path: at('bin/mco'), data: ruby('MKWORLD-MCO'), mode: 0o755 },
    { type: 'file', path: at('bin/mcollectived'), data: ruby('MKWORLD-MCOLLECTIVED'), mode: 0o755 },
    { type: 'dir', path: at('etc') },
    {
      type: 'file',
      path: at('etc/client.cfg.dist'),
      data: 'topicprefix = /topic/\nlibdir = /usr/libexec/mcollective\n',
    },
    // A relative symlink that stays inside the tree.
    { type: 'symlink', path: at('etc/facts.yaml'), target: 'facts.yaml.dist' },
    { type: 'file', path: at('etc/facts.yaml.dist'), data: '---\nmkworld: true\n' },
    {
      type: 'file',
      path: at('etc/server.cfg.dist'),
      data: 'topicprefix = /topic/\nmain_collective = mcollective\nlibdir = /usr/libexec/mcollective\nlogfile = /var/log/mcollective.log\n',
    },
    { type: 'dir', path: at('lib') },
    { type: 'dir', path: at('lib/mcollective') },
    { type: 'file', path: at('lib/mcollective/agents.rb'), data: 'module MCollective; class Agents; end; end\n' },
    { type: 'file', path: at('lib/mcollective.rb'), data: 'module MCollective\n  VERSION = "2.0.0"\nend\n' },
    { type: 'dir', path: at('plugins') },
    { type: 'dir', path: at('plugins/mcollective') },
    { type: 'dir', path: at('plugins/mcollective/agent') },
    { type: 'file', path: at('plugins/mcollective/agent/rpcutil.ddl'), data: 'metadata :name => "rpcutil"\n' },
    {
      type: 'file',
      path: at('plugins/mcollective/agent/rpcutil.rb'),
      data: 'module MCollective; module Agent; class Rpcutil < RPC::Agent; end; end; end\n',
    },
  ];
}

export function rubygemsEntries(): TarballEntry[] {
  const at = (path: string) => `${RUBYGEMS_TOP}/${path}`;
  return [
    { type: 'dir', path: RUBYGEMS_TOP },
    { type: 'dir', path: at('bin') },
    { type: 'file', path: at('bin/gem'), data: ruby('MKWORLD-GEM'), mode: 0o755 },
    { type: 'dir', path: at('lib') },
    { type: 'file', path: at('lib/rubygems.rb'), data: 'module Gem\n  VERSION = "1.8.24"\nend\n' },
    { type: 'file', path: at('setup.rb'), data: ruby('MKWORLD-RUBYGEMS-SETUP') },
  ];
}

export const HOSTILE_KINDS = ['dotdot', 'absolute', 'symlink-write'] as const;
export type HostileKind = (typeof HOSTILE_KINDS)[number];

/** What each hostile variant adds after an otherwise normal MCollective tree. */
export function hostileEntries(kind: HostileKind): TarballEntry[] {
  switch (kind) {
    case 'dotdot':
      return [{ type: 'file', path: '../escape', data: 'MKWORLD-ESCAPED dotdot\n' }];
    case 'absolute':
      return [{ type: 'file', path: '/tmp/mkworld-absolute-escape', data: 'MKWORLD-ESCAPED absolute\n' }];
    case 'symlink-write':
      // The link itself points out of the tree; the file after it writes through it.
      return [
        { type: 'symlink', path: `${MCOLLECTIVE_TOP}/plugins/evil`, target: '../../..' },
        { type: 'file', path: `${MCOLLECTIVE_TOP}/plugins/evil/escape`, data: 'MKWORLD-ESCAPED symlink\n' },
      ];
  }
}

/** Razor's mk-open-vm-tools.tar.gz: files laid over the initramfs root for VMware guests. */
export function openVmToolsEntries(): TarballEntry[] {
  return [
    { type: 'dir', path: 'usr/local/bin' },
    { type: 'file', path: 'usr/local/bin/vmtoolsd', data: '#!/bin/sh\necho MKWORLD-VMTOOLS\n', mode: 0o755 },
  ];
}

export const mcollectiveTarball = (): Buffer => tarGz(mcollectiveEntries());
export const rubygemsTarball = (): Buffer => tarGz(rubygemsEntries());
export const openVmToolsTarball = (): Buffer => tarGz(openVmToolsEntries());
export const hostileMcollectiveTarball = (kind: HostileKind): Buffer =>
  tarGz([...mcollectiveEntries(), ...hostileEntries(kind)]);

export const TARBALL_PATHS = {
  mcollective: '/mcollective/mcollective-2.0.0.tgz',
  rubygems: '/rubygems/rubygems-1.8.24.tgz',
  /** Where the 2013 script's default URL has it (downloads.puppetlabs.com/razor/open-vm-tools/). */
  openVmTools: '/razor/open-vm-tools/mk-open-vm-tools.tar.gz',
  hostile: (kind: HostileKind) => `/mcollective-hostile/${kind}/mcollective-2.0.0.tgz`,
} as const;

/** Route entries for WorldServer: the three tarballs and the hostile variants. */
export function tarballRoutes(): Map<string, Buffer> {
  const routes = new Map<string, Buffer>([
    [TARBALL_PATHS.mcollective, mcollectiveTarball()],
    [TARBALL_PATHS.rubygems, rubygemsTarball()],
    [TARBALL_PATHS.openVmTools, openVmToolsTarball()],
  ]);
  for (const kind of HOSTILE_KINDS) routes.set(TARBALL_PATHS.hostile(kind), hostileMcollectiveTarball(kind));
  return routes;
}
