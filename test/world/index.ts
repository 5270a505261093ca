import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildBootableCoreIso } from './bootable/core-iso.js';
import { buildGemWorld, WORLD_GEM_LIST } from './gems.js';
import { writeMicrokernelTree } from './microkernel.js';
import { WorldServer } from './server.js';
import { TARBALL_PATHS, tarballRoutes, tarGz } from './tarballs.js';
import { buildTinyCoreWorld, type TinyCoreWorld, type TinyCoreWorldOptions } from './tinycore.js';

export interface WorldOptions extends TinyCoreWorldOptions {
  /** Serve the Tiny Core-shaped Core ISO that boots in QEMU (Debian's kernel, our tc-config). */
  readonly bootable?: boolean;
}

/** Where the gem server's compact index lives on the world server. */
export const GEM_PREFIX = '/rubygems-org';

export interface World {
  readonly server: WorldServer;
  readonly tinycore: TinyCoreWorld;
  /** The Core ISO the mirror serves. */
  readonly coreIso: string;
  /** The Microkernel project tree (`--source`). */
  readonly source: string;
  /** The seed's default builtin and mirror lists, as files. */
  readonly builtinList: string;
  readonly mirrorList: string;
  /** The flags that point mkbundle at this world instead of the internet. */
  readonly flags: readonly string[];
  readonly urls: {
    readonly mirror: string;
    readonly iso: string;
    readonly gemSource: string;
    readonly rubygems: string;
    readonly mcollective: string;
  };
  close(): Promise<void>;
}

/** The dependency tarballs a Razor tree carries in additional-build-files/. */
function additionalBuildFiles(): Record<string, Buffer> {
  return {
    'ssh-setup-files.tar.gz': tarGz([
      { type: 'dir', path: 'usr/local/etc/ssh' },
      { type: 'file', path: 'usr/local/etc/ssh/sshd_config', data: 'Port 22\nPermitRootLogin no\n' },
      { type: 'file', path: 'opt/ssh-keys-setup.sh', data: '#!/bin/sh\necho MKWORLD-SSH-SETUP\n', mode: 0o755 },
    ]),
    'mcollective-setup-files.tar.gz': tarGz([
      { type: 'dir', path: 'etc/mcollective' },
      { type: 'file', path: 'etc/mcollective/server.cfg', data: 'libdir = /usr/local/mcollective/plugins\n' },
    ]),
    'mk-open-vm-tools.tar.gz': tarGz([
      { type: 'dir', path: 'usr/local/bin' },
      { type: 'file', path: 'usr/local/bin/vmtoolsd', data: '#!/bin/sh\necho MKWORLD-VMTOOLS\n', mode: 0o755 },
    ]),
  };
}

/**
 * Builds the whole loopback world in `dir` and serves it: a Tiny Core
 * mirror with a Core ISO, a compact-index gem server, the RubyGems and
 * MCollective tarballs, and a Microkernel source tree to build from.
 */
export async function startWorld(dir: string, options: WorldOptions = {}): Promise<World> {
  const bootable = options.bootable ? await buildBootableCoreIso() : undefined;
  const tinycore = await buildTinyCoreWorld(join(dir, 'mirror'), {
    ...options,
    ...(bootable ? { kernelVersion: bootable.kver } : {}),
  });
  const gems = buildGemWorld();
  const routes = new Map<string, Buffer>([...tinycore.routes, ...tarballRoutes()]);
  // The mirror's Core ISO is a shape-only one unless a booting one is asked for.
  if (bootable) routes.set(tinycore.isoPath, await readFile(bootable.iso));
  for (const [path, body] of gems.routes) routes.set(`${GEM_PREFIX}${path}`, body);
  const server = await WorldServer.start(routes);

  const source = await writeMicrokernelTree(join(dir, 'source'));
  await writeFile(join(source, 'opt/gems/gem.list'), WORLD_GEM_LIST);
  await mkdir(join(source, 'additional-build-files'), { recursive: true });
  for (const [name, body] of Object.entries(additionalBuildFiles())) {
    await writeFile(join(source, 'additional-build-files', name), body);
  }
  await writeFile(join(source, 'additional-build-files', 'util-linux-exec.lst'), tinycore.utilLinuxExecList);
  const builtinList = join(source, 'additional-build-files', 'builtin-extensions.lst');
  const mirrorList = join(source, 'additional-build-files', 'mirror-extensions.lst');
  await writeFile(builtinList, tinycore.builtinList);
  await writeFile(mirrorList, tinycore.mirrorList);

  const { mirror, iso } = tinycore.urls(server.url);
  const urls = {
    mirror,
    iso,
    gemSource: `${server.url}${GEM_PREFIX}`,
    rubygems: `${server.url}${TARBALL_PATHS.rubygems}`,
    mcollective: `${server.url}${TARBALL_PATHS.mcollective}`,
  };
  return {
    server,
    tinycore,
    coreIso: bootable?.iso ?? tinycore.isoFile,
    source,
    builtinList,
    mirrorList,
    urls,
    flags: [
      '--source',
      source,
      '--mirror',
      urls.mirror,
      '--iso-url',
      urls.iso,
      '--gem-source',
      urls.gemSource,
      '--rubygems-url',
      urls.rubygems,
      '--mcollective-url',
      urls.mcollective,
    ],
    close: () => server.close(),
  };
}
