/**
 * The unmodified 2013 tree end to end: mkbundle builds each flavour with
 * the tree's own bundle.cfg and lists, the ISO stage (as nobody) names the
 * ISO after the git version when no VERSION is given, and Debian's `gem`
 * lists and installs the gems from the internal gem mirror the image
 * carries, served on loopback the way rz_mk_gem_mirror.rb serves it.
 */
import { chmod, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractTar } from '../../src/archive/tar-extract.js';
import type { Flavour } from '../../src/config/flavour.js';
import { versionFromDescribe } from '../../src/gitversion/describe.js';
import { gemIn, gemInstallArgs } from '../gems/ruby.js';
import { cpioList, fromIso, isoAsNobody } from '../rebuild/helpers.js';
import { startWorld, type World } from '../world/index.js';
import { routesOfDir, WorldServer } from '../world/server.js';
import { archiveText } from './parity.js';
import { type MkbundleRun, runMkbundle } from './run-mkbundle.js';
import { prepareTree } from './run-upstream.js';
import { SCRATCH_TAG } from './trees.js';

const FLAVOUR_FLAGS: Record<Flavour, readonly string[]> = { dev: [], prod: ['-p'], debug: ['-d'] };
const VERSION = versionFromDescribe(SCRATCH_TAG);

let dir: string;
let world: World;
const built = new Map<Flavour, MkbundleRun>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-tree-2013-'));
  await chmod(dir, 0o755);
  world = await startWorld(join(dir, 'world'));
  for (const flavour of ['dev', 'prod', 'debug'] as const) {
    const at = join(dir, flavour);
    const source = await prepareTree(world, '2013', join(at, 'razor-microkernel-2013'));
    const args = ['-c', 'bundle.cfg', '--source', source, ...FLAVOUR_FLAGS[flavour]];
    built.set(flavour, await runMkbundle(world, { source, flavour, dir: at, args }));
  }
}, 600_000);
afterAll(async () => {
  await world?.close();
  await rm(dir, { recursive: true, force: true });
});

function bundleOf(flavour: Flavour): MkbundleRun {
  const run = built.get(flavour);
  if (run === undefined) throw new Error(`no ${flavour} build`);
  return run;
}

describe('the 2013 tree, unmodified, in every flavour', () => {
  it.each(['dev', 'prod', 'debug'] as const)(
    '%s: the 2013 layout, no MCollective, the git version recorded',
    async (flavour) => {
      const { bundle, overlay } = bundleOf(flavour);
      const manifest = JSON.parse(await archiveText(bundle, 'bundle.json'));
      expect(manifest).toMatchObject({ flavour, era: '2013', version: VERSION });
      expect(manifest.inputs.filter((i: { url: string }) => /mcollective/i.test(i.url))).toEqual([]);
      expect(await archiveText(bundle, 'gitversion.sh')).toBe(`ISO_VERSION='${VERSION}'\n`);
      expect(await archiveText(overlay, 'tmp/builtin/onboot.lst')).toContain('lshw.tcz\n');
      const mkConf = await archiveText(overlay, 'tmp/mk_conf.yaml');
      expect(mkConf.includes('DEBUG')).toBe(flavour === 'debug');
    },
  );
});

describe('the ISO stage on a 2013 bundle without VERSION', () => {
  let iso: string;
  let initrd: string[];
  beforeAll(async () => {
    const out = join(dir, 'iso');
    await mkdir(out, { mode: 0o777 });
    await chmod(out, 0o777);
    await chmod(join(dir, 'debug', 'out'), 0o755);
    const run = isoAsNobody(bundleOf('debug').bundle, undefined, ['--out', out]);
    expect(run.stderr).not.toContain('mkbundle:');
    expect(run.code).toBe(0);
    iso = join(out, `rz_mk_debug-image.${VERSION}.iso`);
    const coreGz = join(dir, 'core.gz');
    fromIso(iso, 'boot/core.gz', coreGz);
    initrd = cpioList(coreGz);
  }, 300_000);

  it('names the ISO after the git version', async () => {
    expect(await readdir(join(dir, 'iso'))).toContain(`rz_mk_debug-image.${VERSION}.iso`);
  });

  it('merges the 2013 overlay: lshw.tcz from the .deb, the gem mirror with its index, .gemrc, no MCollective', () => {
    const paths = initrd.map((line) => line.slice(line.lastIndexOf(' ') + 1));
    for (const path of [
      'tmp/builtin/optional/lshw.tcz',
      'tmp/builtin/optional/lshw.tcz.md5.txt',
      'tmp/gem-mirror/specs.4.8.gz',
      'tmp/gem-mirror/gems/gem.list',
      'root/.gemrc',
      'opt/bootsync.sh',
    ]) {
      expect(paths).toContain(path);
    }
    expect(paths.filter((p) => /mcollective/i.test(p))).toEqual([]);
  });
});

describe("Debian's gem against the gem mirror in the 2013 overlay", () => {
  let mirror: string;
  let server: WorldServer;
  beforeAll(async () => {
    const unpacked = join(dir, 'unpacked');
    await extractTar(bundleOf('prod').overlay, unpacked);
    mirror = join(unpacked, 'tmp', 'gem-mirror');
    server = await WorldServer.start(await routesOfDir(mirror));
  });
  afterAll(() => server?.close());

  const gem = (...args: string[]) => gemIn(dir)(...args);

  it('lists every gem and version of the mirror', async () => {
    const { stdout } = await gem('list', '--remote', '--all', '--clear-sources', '--source', `${server.url}/`);
    const listed = stdout.split('\n').filter((line) => /^\S+ \(/.test(line));
    const files = (await readdir(join(mirror, 'gems'))).filter((f) => f.endsWith('.gem')).sort();
    expect(files.length).toBeGreaterThanOrEqual(4);
    const fromFiles = files.map((f) => f.replace(/\.gem$/, ''));
    const fromList = listed.flatMap((line) => {
      const [, name, versions] = /^(\S+) \((.*)\)$/.exec(line) ?? [];
      return (versions ?? '').split(', ').map((v) => `${name}-${v}`);
    });
    expect(fromList.sort()).toEqual(fromFiles);
  });

  it('installs the whole gem.list from it, offline but for the mirror', async () => {
    const installDir = join(dir, 'installed');
    const names = ['facter', 'json_pure', 'daemons'];
    await gem(...gemInstallArgs(`${server.url}/`, installDir, names));
    const installed = await readdir(join(installDir, 'specifications'));
    for (const name of names) expect(installed.some((spec) => spec.startsWith(`${name}-`))).toBe(true);
  });
});
