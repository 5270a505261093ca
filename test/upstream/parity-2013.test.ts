/**
 * The real 2013 Razor-Microkernel tree (its own bundle.cfg and lists, every
 * URL the loopback world's) built by upstream's own build-bundle-file.sh
 * and by mkbundle's CLI, for dev and prod, compared path by path. The 2013
 * tree has no MCollective, mirrors its gems into tmp/gem-mirror with a
 * legacy index, adds root/.gemrc, and turns the `lshw.deb` list entry into
 * lshw.tcz from a Debian archive.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Flavour } from '../../src/config/flavour.js';
import { startWorld, type World } from '../world/index.js';
import { BUNDLE_COMMON, OVERLAY_COMMON } from './allowed.js';
import { type Allowance, listTar } from './compare.js';
import { archiveText, comparisonTests, depMisses, listNames, PARITY_TIMEOUT } from './parity.js';
import { type MkbundleRun, runMkbundle } from './run-mkbundle.js';
import { prepareTree, runUpstream, type UpstreamRun } from './run-upstream.js';
import { SCRATCH_TAG } from './trees.js';

const FLAVOURS = ['dev', 'prod'] as const satisfies readonly Flavour[];
const BUILTIN = 'additional-build-files/builtin-extensions.lst';
const MIRROR = 'additional-build-files/mirror-extensions.lst';

const OVERLAY_2013: readonly Allowance[] = [
  ...OVERLAY_COMMON,
  {
    paths: /^tmp\/builtin\/optional\/lshw\.tcz$/,
    fields: ['size', 'sha256'],
    why: "mkbundle writes the .deb's files as a deterministic tcz; upstream's deb2tcz.sh ran mksquashfs (128 KiB blocks, its own layout); the files inside are compared below",
  },
  {
    paths: /^tmp\/gem-mirror\/(specs|latest_specs|prerelease_specs)\.4\.8\.gz$/,
    fields: ['size', 'sha256'],
    why: "gem generate_index's gzip header carries the time it ran; the decompressed index (`decompressed`) must be the same",
  },
  {
    paths: /^tmp\/gem-mirror\/quick\/Marshal\.4\.8\/[a-z_]+-[0-9.]+\.gemspec\.rz$/,
    fields: ['size', 'sha256'],
    why: "Node's zlib (Chromium's) deflates differently from the system zlib Ruby uses; the inflated Marshal (`decompressed`) must be the same",
  },
  {
    paths: /^tmp\/builtin\/optional\/lshw\.tcz\.md5\.txt$/,
    fields: ['presence'],
    why: "mkbundle writes NAME.tcz.md5.txt for a .tcz made from a .deb, as for every other extension; upstream's deb2tcz.sh wrote none",
  },
];

const GEM_MIRROR = ['facter-1.7.5', 'json-1.8.0', 'json_pure-1.8.1', 'daemons-1.1.9'];

let dir: string;
let world: World;
const upstream = new Map<Flavour, UpstreamRun>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-parity-2013-'));
  world = await startWorld(join(dir, 'world'));
  for (const flavour of FLAVOURS) {
    upstream.set(flavour, await runUpstream(world, { tree: '2013', flavour, dir: join(dir, flavour, 'upstream') }));
  }
});
afterAll(async () => {
  await world?.close();
  await rm(dir, { recursive: true, force: true });
});

const ours = new Map<Flavour, Promise<MkbundleRun>>();

/** mkbundle on its own scratch copy (same bundle.cfg), once per flavour, when a test first asks. */
function mkbundle(flavour: Flavour): Promise<MkbundleRun> {
  let run = ours.get(flavour);
  if (run === undefined) {
    run = (async () => {
      const at = join(dir, flavour, 'ours');
      const source = await prepareTree(world, '2013', join(at, 'razor-microkernel-2013'));
      // md5 like upstream's `openssl passwd -1`, so only the salt differs.
      const image = flavour === 'prod' ? ['-p'] : ['--passwd-hash', 'md5'];
      return runMkbundle(world, { source, flavour, dir: at, args: ['-c', 'bundle.cfg', '--source', source, ...image] });
    })();
    ours.set(flavour, run);
  }
  return run;
}

function run(flavour: Flavour): UpstreamRun {
  const found = upstream.get(flavour);
  if (found === undefined) throw new Error(`no upstream ${flavour} run`);
  return found;
}

/** What a 2013 overlay must hold: lshw.tcz from the .deb, the gem mirror, root/.gemrc, no MCollective. */
async function expectShape2013(overlay: string, source: string, flavour: Flavour): Promise<void> {
  const listing = await listTar(overlay);
  const onboot = (await archiveText(overlay, 'tmp/builtin/onboot.lst')).trim().split('\n');
  const listed = (await listNames(source, BUILTIN))
    .filter((n) => flavour !== 'prod' || n !== 'openssh.tcz')
    .map((n) => n.replace(/\.deb$/, '.tcz'));
  expect(onboot).toEqual(listed);
  for (const gem of GEM_MIRROR) {
    expect(listing.has(`tmp/gem-mirror/gems/${gem}.gem`)).toBe(true);
    expect(listing.has(`tmp/gem-mirror/quick/Marshal.4.8/${gem}.gemspec.rz`)).toBe(true);
  }
  for (const index of ['specs', 'latest_specs', 'prerelease_specs']) {
    expect(listing.has(`tmp/gem-mirror/${index}.4.8.gz`)).toBe(true);
  }
  expect(await archiveText(overlay, 'tmp/gem-mirror/gems/gem.list')).toBe(
    await readFile(join(source, 'opt/gems/gem.list'), 'utf8'),
  );
  expect(await archiveText(overlay, 'root/.gemrc')).toBe(await readFile(join(source, 'rz_mk_gemrc.yaml'), 'utf8'));
  expect([...listing.keys()].filter((p) => /mcollective/i.test(p))).toEqual([]);
  expect([...listing.keys()].filter((p) => p.startsWith('opt/gems/'))).toEqual([]);
}

/** The bytes of `usr/bin/lshw` in the world's lshw .deb, as dpkg-deb unpacks it. */
async function lshwFromDeb(): Promise<Buffer> {
  const deb = world.debian.debs.get('lshw');
  if (deb === undefined) throw new Error('the world has no lshw .deb');
  const file = join(dir, 'lshw.deb');
  await writeFile(file, world.debian.routes.get(`/${deb.filename}`) ?? Buffer.alloc(0));
  const tar = await execa('dpkg-deb', ['--fsys-tarfile', file], { encoding: 'buffer' });
  return Buffer.from((await execa('tar', ['-xO', './usr/bin/lshw'], { input: tar.stdout, encoding: 'buffer' })).stdout);
}

async function expectLshwTcz(overlay: string): Promise<void> {
  const tcz = 'tmp/builtin/optional/lshw.tcz';
  const listing = await listTar(overlay);
  if (!listing.has(tcz)) throw new Error(`${overlay}: no ${tcz}`);
  const binary = await lshwFromDeb();
  expect(listing.get(`${tcz}:/usr/bin/lshw`)).toMatchObject({
    kind: 'file',
    mode: 0o755,
    size: binary.length,
    sha256: createHash('sha256').update(binary).digest('hex'),
  });
  // deb2tcz.sh leaves documentation out.
  const inside = [...listing.keys()].filter((p) => p.startsWith(`${tcz}:/`)).map((p) => p.slice(tcz.length + 2));
  expect(inside).toContain('usr/bin/lshw');
  expect(inside.filter((p) => /^usr\/share\/(doc|man|menu|lintian)(\/|$)/.test(p))).toEqual([]);
}

describe("upstream's 2013 script as a peer", () => {
  it.each(FLAVOURS)(
    '%s: stays on loopback but for deb2tcz.sh asking the internet for an import script',
    async (flavour) => {
      const r = run(flavour);
      expect(r.stray).toEqual([]);
      // deb2tcz.sh looks for a Tiny Core start-up script to merge; lshw has no postinst, so the name it asks for is empty.
      expect(r.proxied).toEqual([
        { method: 'GET', url: 'http://distro.ibiblio.org/tinycorelinux/4.x/importscripts/.deb2tcz' },
      ]);
      const builtin = (await listNames(r.source, BUILTIN)).filter((n) => flavour !== 'prod' || n !== 'openssh.tcz');
      const mirror = await listNames(r.source, MIRROR);
      expect([...r.worldMisses].sort()).toEqual(depMisses(world, [...builtin, ...mirror]));
    },
  );

  it.each(FLAVOURS)('%s: writes lshw.tcz, the gem mirror and root/.gemrc, and no MCollective', async (flavour) => {
    const r = run(flavour);
    await expectShape2013(r.overlay, r.source, flavour);
    await expectLshwTcz(r.overlay);
  });

  it.each(FLAVOURS)("%s: names the bundle's version after `git describe`", async (flavour) => {
    const r = run(flavour);
    const version = SCRATCH_TAG.replace('-', '+').replace(/^v/, '');
    expect(r.gitVersion).toBe(version);
    expect(await archiveText(r.bundle, 'gitversion.sh')).toBe(`ISO_VERSION='${version}'\n`);
    expect(await archiveText(r.bundle, 'LICENSE')).toBe(await readFile(join(r.source, 'LICENSE'), 'utf8'));
  });
});

describe.each(FLAVOURS)('the 2013 tree, %s: mkbundle beside upstream', (flavour) => {
  it('mkbundle stays on loopback', { timeout: PARITY_TIMEOUT }, async () => {
    const r = await mkbundle(flavour);
    expect(r.stray).toEqual([]);
    expect(r.proxied).toEqual([]);
  });

  it('mkbundle writes lshw.tcz from the .deb, the gem mirror and root/.gemrc, and no MCollective', {
    timeout: PARITY_TIMEOUT,
  }, async () => {
    const r = await mkbundle(flavour);
    await expectShape2013(r.overlay, join(dir, flavour, 'ours', 'razor-microkernel-2013'), flavour);
    await expectLshwTcz(r.overlay);
  });

  comparisonTests(
    flavour,
    { upstream: () => run(flavour), ours: () => mkbundle(flavour) },
    {
      overlay: OVERLAY_2013,
      bundle: BUNDLE_COMMON,
    },
  );
});
