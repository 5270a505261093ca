/**
 * Runs upstream's own `build-bundle-file.sh` (2012 or 2013 tree) against
 * the loopback test world, as its users ran it: in a scratch git checkout
 * of the tree, as root, with Debian's bash, wget, gem, mksquashfs,
 * unsquashfs and openssl, watched so that nothing reaches the internet
 * (see watch.ts). Configuration goes where upstream reads it: the 2013
 * tree's bundle.cfg and `--dpkg-list`, `DEB_MIRROR_URL` in the environment,
 * and a `.gemrc` in a HOME of its own for `gem`. What upstream cannot be
 * pointed at any other way is edited in the scratch copy (prepareTree says
 * what and why); the 2013 tree runs unchanged.
 *
 *   const run = await runUpstream(world, { tree: '2012', flavour: 'prod', dir });
 *   run.bundle   // build-files/razor-microkernel-bundle-prod.tar.gz
 *   run.overlay  // tmp-build-dir/build_dir/dependencies/razor-microkernel-overlay.tar.gz
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Flavour } from '../../src/config/flavour.js';
import type { World } from '../world/index.js';
import { type RazorYear, scratchCheckout } from './trees.js';
import { type WatchedRun, watchedRun } from './watch.js';

export interface UpstreamOptions {
  readonly tree: RazorYear;
  readonly flavour: Flavour;
  /** A fresh directory for this run: the tree copy, HOME and logs go below it. */
  readonly dir: string;
  /** `-t PASSWD` (the 2012 script changes the tc password only when given one). */
  readonly tcPasswd?: string;
}

export interface UpstreamRun extends WatchedRun {
  readonly tree: RazorYear;
  readonly flavour: Flavour;
  /** The scratch tree the script ran in. */
  readonly source: string;
  readonly bundle: string;
  readonly overlay: string;
  /** World paths that answered 404 during the run (the `.dep` files of extensions without one, say). */
  readonly worldMisses: readonly string[];
  /** `ISO_VERSION` from the 2013 script's gitversion.sh. */
  readonly gitVersion: string | undefined;
}

const BUILTIN_LIST = 'additional-build-files/builtin-extensions.lst';
const MIRROR_LIST = 'additional-build-files/mirror-extensions.lst';

/** The port of a world URL. */
export function worldPort(world: World): number {
  return Number(new URL(world.server.url).port);
}

/** A bundle.cfg for a scratch tree: its own lists, every URL the world's. */
export function bundleCfgText(world: World): string {
  const lines = { MK_BUNDLE_BUILTIN_LIST: BUILTIN_LIST, MK_BUNDLE_MIRROR_LIST: MIRROR_LIST, ...world.cfg };
  return Object.entries(lines)
    .map(([key, value]) => `${key}=${value}\n`)
    .join('');
}

/**
 * Copies `tree` into `dest` (a git checkout) and points it at the world.
 * The 2012 tree needs two changes, both in the scratch copy only:
 * - build-bundle-file.sh: its five URL assignments (TCL_MIRROR_URI,
 *   TCL_ISO_URL, RUBY_GEMS_URL, MCOLLECTIVE_URL, OPEN_VM_TOOLS_URL) name the
 *   world, because the 2012 script has no config file, option or
 *   environment variable for them;
 * - build-files/ is created: the script writes the bundle there but never
 *   creates it, and git keeps no empty directory.
 * The 2013 tree only gets a bundle.cfg (its extra keys for mkbundle are
 * plain shell assignments to the 2013 script's read_config_file).
 */
export async function prepareTree(world: World, tree: RazorYear, dest: string): Promise<string> {
  await scratchCheckout(tree, dest);
  if (tree === '2012') {
    const script = join(dest, 'build-bundle-file.sh');
    const urls: Record<string, string> = {
      TCL_MIRROR_URI: world.urls.mirror,
      TCL_ISO_URL: world.urls.iso,
      RUBY_GEMS_URL: world.urls.rubygems,
      MCOLLECTIVE_URL: world.urls.mcollective,
      OPEN_VM_TOOLS_URL: world.urls.openVmTools,
    };
    let text = await readFile(script, 'utf8');
    for (const [name, url] of Object.entries(urls)) {
      const assignment = new RegExp(`^${name}='[^']*'$`, 'm');
      if (!assignment.test(text)) throw new Error(`${script}: no ${name}='…' line to point at the world`);
      text = text.replace(assignment, `${name}='${url}'`);
    }
    await writeFile(script, text);
    await mkdir(join(dest, 'build-files'));
  } else {
    await writeFile(join(dest, 'bundle.cfg'), bundleCfgText(world));
  }
  return dest;
}

function flavourArgs(flavour: Flavour): string[] {
  return flavour === 'prod' ? ['-p'] : flavour === 'debug' ? ['-d'] : [];
}

/** Runs the tree's build-bundle-file.sh in a fresh scratch copy; throws when it wrote no bundle. */
export async function runUpstream(world: World, options: UpstreamOptions): Promise<UpstreamRun> {
  if (process.getuid?.() !== 0)
    throw new Error("upstream's build-bundle-file.sh needs root (it tars root-owned files)");
  const { tree, flavour, dir } = options;
  const source = await prepareTree(world, tree, join(dir, `razor-microkernel-${tree}`));
  const home = join(dir, 'home');
  await mkdir(home, { recursive: true });
  // gem reads its sources from ~/.gemrc: the 2012 script's `gem fetch` has no other way to be pointed.
  await writeFile(
    join(home, '.gemrc'),
    `---\n:sources:\n- ${world.urls.legacyGemSource}\n:update_sources: false\n:backtrace: true\n`,
  );

  const password = options.tcPasswd === undefined ? [] : ['-t', options.tcPasswd];
  const args =
    tree === '2012'
      ? ['-b', BUILTIN_LIST, '-m', MIRROR_LIST, ...flavourArgs(flavour), ...password]
      : ['-c', 'bundle.cfg', '--dpkg-list', world.urls.dpkgList, ...flavourArgs(flavour), ...password];
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: home,
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    // bin/download-deb-pkg takes its mirror from the environment only (it ignores its --mirror-url).
    ...(tree === '2013' ? { DEB_MIRROR_URL: world.urls.debMirror } : {}),
  };

  const logged = world.server.requests.length;
  const run = await watchedRun('./build-bundle-file.sh', args, {
    cwd: source,
    env,
    logDir: dir,
    allowedPorts: [worldPort(world)],
  });
  const bundle = join(source, 'build-files', `razor-microkernel-bundle-${flavour}.tar.gz`);
  const overlay = join(source, 'tmp-build-dir', 'build_dir', 'dependencies', 'razor-microkernel-overlay.tar.gz');
  if (!existsSync(bundle) || !existsSync(overlay)) {
    throw new Error(
      `upstream ${tree} ${flavour}: exit ${run.exitCode}, no ${existsSync(overlay) ? bundle : overlay}; log in ${dir}/output.log:\n${run.output.slice(-3000)}`,
    );
  }
  const gitversion = join(source, 'tmp-build-dir', 'build_dir', 'gitversion.sh');
  return {
    ...run,
    tree,
    flavour,
    source,
    bundle,
    overlay,
    worldMisses: world.server.requests
      .slice(logged)
      .filter((r) => r.status === 404)
      .map((r) => r.path),
    gitVersion: existsSync(gitversion)
      ? /^ISO_VERSION='(.*)'$/m.exec(await readFile(gitversion, 'utf8'))?.[1]
      : undefined,
  };
}
