import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { buildBootableCoreIso } from './bootable/core-iso.js';
import { buildDebianArchive, type DebianArchive } from './debian.js';
import { buildGemWorld, WORLD_GEM_LIST } from './gems.js';
import { buildLegacyGemIndex } from './legacy-gems.js';
import { writeMicrokernelTree } from './microkernel.js';
import { WorldServer, type WorldServerOptions } from './server.js';
import { TARBALL_PATHS, tarballRoutes, tarGz } from './tarballs.js';
import { buildTinyCoreWorld, type TinyCoreWorld, type TinyCoreWorldOptions } from './tinycore.js';

export interface WorldOptions extends TinyCoreWorldOptions {
  /** Serve the Tiny Core-shaped Core ISO that boots in QEMU (Debian's kernel, Tiny Core's real boot scripts). */
  readonly bootable?: boolean;
  /** With `bootable` and x86_64: a Core ISO booting boot/rootfs64.gz and boot/modules64.gz as two initrds. */
  readonly twoInitrds?: boolean;
  /** Serve everything behind Basic auth; the URLs and flags stay without them. */
  readonly credentials?: WorldServerOptions['credentials'];
}

/** Where the gem server's compact and legacy indexes live on the world server. */
export const GEM_PREFIX = '/rubygems-org';

/** The Debian archive's root on the world server. */
export const DEBIAN_PREFIX = '/debian';

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
  /** The Debian archive the world serves (`.deb` files and their index). */
  readonly debian: DebianArchive;
  /** The flags that point mkbundle at this world instead of the internet, for `source`. */
  readonly flags: readonly string[];
  /** The same flags for another Microkernel tree. */
  flagsFor(source: string): string[];
  /**
   * bundle.cfg settings pointing at this world: the 2013 script's keys,
   * DEB_MIRROR_URL (which its bin/download-deb-pkg reads from the
   * environment) and mkbundle's own MK_BUNDLE_MCOLLECTIVE_URL and MK_BUNDLE_DPKG_LIST.
   */
  readonly cfg: Readonly<Record<string, string>>;
  readonly urls: {
    readonly mirror: string;
    readonly iso: string;
    /** Compact index (`/versions`, `/info/NAME`), no trailing slash. */
    readonly gemSource: string;
    /** The same server for legacy clients (`gem fetch`, mirror-gem): Marshal index, with a trailing slash. */
    readonly legacyGemSource: string;
    readonly rubygems: string;
    readonly mcollective: string;
    readonly openVmTools: string;
    /** The Debian archive's Packages.gz. */
    readonly dpkgList: string;
    /** The Debian archive root, which Filename fields are relative to. */
    readonly debMirror: string;
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
    // As the 2012 tree's: where rz_mk_init.rb points mcollectived.
    'mcollective-setup-files.tar.gz': tarGz([
      { type: 'dir', path: 'usr/local/etc/mcollective' },
      {
        type: 'file',
        path: 'usr/local/etc/mcollective/server.cfg',
        data: 'libdir = /usr/local/mcollective/plugins\n',
      },
    ]),
  };
}

/**
 * Builds the whole loopback world in `dir` and serves it: a Tiny Core
 * mirror with a Core ISO, a gem server (compact and legacy index), the
 * RubyGems, MCollective and open-vm-tools tarballs, a Debian archive, and a
 * Microkernel source tree to build from.
 */
export async function startWorld(dir: string, options: WorldOptions = {}): Promise<World> {
  const gems = buildGemWorld();
  // Independent of the Tiny Core half, so built meanwhile.
  const more = Promise.all([buildLegacyGemIndex(gems.gems), buildDebianArchive()]);
  // Awaited below; this keeps a failure there from going unhandled while the ISO builds.
  more.catch(() => undefined);
  const bootable = options.bootable
    ? await buildBootableCoreIso({ arch: options.arch ?? 'x86', twoInitrds: options.twoInitrds ?? false })
    : undefined;
  const tinycore = await buildTinyCoreWorld(join(dir, 'mirror'), {
    ...options,
    ...(bootable ? { kernelVersion: bootable.kver } : {}),
  });
  const [legacyGems, debian] = await more;
  const routes = new Map<string, Buffer>([...tinycore.routes, ...tarballRoutes()]);
  // The mirror's Core ISO is a shape-only one unless a booting one is asked for.
  if (bootable) {
    const iso = await readFile(bootable.iso);
    routes.set(tinycore.isoPath, iso);
    if (routes.has(tinycore.isoMd5Path)) {
      const md5 = createHash('md5').update(iso).digest('hex');
      routes.set(tinycore.isoMd5Path, Buffer.from(`${md5}  ${basename(tinycore.isoPath)}\n`));
    }
    // And the same kernel and initramfs as Tiny Core's release/distribution_files/ has them, each with its .md5.txt.
    const files = join(dirname(tinycore.isoPath), 'distribution_files');
    const served: [string, string][] = [
      [basename(bootable.kernelPath), bootable.kernelPath],
      [basename(bootable.coreGzPath), bootable.coreGzPath],
      ...(bootable.parts
        ? ([
            ['rootfs64.gz', bootable.parts.rootfs],
            ['modules64.gz', bootable.parts.modules],
          ] as [string, string][])
        : []),
    ];
    for (const [name, path] of served) {
      const body = await readFile(path);
      routes.set(`${files}/${name}`, body);
      routes.set(`${files}/${name}.md5.txt`, Buffer.from(`${createHash('md5').update(body).digest('hex')}  ${name}\n`));
    }
  }
  for (const [path, body] of [...gems.routes, ...legacyGems]) routes.set(`${GEM_PREFIX}${path}`, body);
  for (const [path, body] of debian.routes) routes.set(`${DEBIAN_PREFIX}${path}`, body);
  const server = await WorldServer.start(routes, options.credentials ? { credentials: options.credentials } : {});

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
    legacyGemSource: `${server.url}${GEM_PREFIX}/`,
    rubygems: `${server.url}${TARBALL_PATHS.rubygems}`,
    mcollective: `${server.url}${TARBALL_PATHS.mcollective}`,
    openVmTools: `${server.url}${TARBALL_PATHS.openVmTools}`,
    dpkgList: `${server.url}${DEBIAN_PREFIX}${debian.packagesGz}`,
    debMirror: `${server.url}${DEBIAN_PREFIX}`,
  };
  const flagsFor = (tree: string): string[] => [
    '--source',
    tree,
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
    '--open-vm-tools-url',
    urls.openVmTools,
    '--dpkg-list',
    urls.dpkgList,
    '--deb-mirror',
    urls.debMirror,
  ];
  return {
    server,
    tinycore,
    coreIso: bootable?.iso ?? tinycore.isoFile,
    source,
    builtinList,
    mirrorList,
    debian,
    urls,
    flags: flagsFor(source),
    flagsFor,
    cfg: {
      MK_BUNDLE_TCL_MIRROR_URI: urls.mirror,
      MK_BUNDLE_TCL_ISO_URL: urls.iso,
      MK_BUNDLE_RUBY_GEMS_URL: urls.rubygems,
      MK_BUNDLE_OPEN_VM_TOOLS_URL: urls.openVmTools,
      MK_BUNDLE_GEM_SERVER_URI: urls.legacyGemSource,
      DEB_MIRROR_URL: urls.debMirror,
      MK_BUNDLE_MCOLLECTIVE_URL: urls.mcollective,
      MK_BUNDLE_DPKG_LIST: urls.dpkgList,
    },
    close: () => server.close(),
  };
}
