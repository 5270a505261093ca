/**
 * The real 2012 Razor-Microkernel tree built twice against the loopback
 * world: by upstream's own build-bundle-file.sh and by mkbundle's CLI,
 * for dev and prod, and the two bundles and overlays compared path by path.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Flavour } from '../../src/config/flavour.js';
import { startWorld, type World } from '../world/index.js';
import { BUNDLE_COMMON, OVERLAY_COMMON } from './allowed.js';
import type { Allowance } from './compare.js';
import { archiveText, comparisonTests, depMisses, listNames, PARITY_TIMEOUT, TC_PASSWORD } from './parity.js';
import { type MkbundleRun, runMkbundle } from './run-mkbundle.js';
import { prepareTree, runUpstream, type UpstreamRun } from './run-upstream.js';

const BUNDLE_2012: readonly Allowance[] = [
  ...BUNDLE_COMMON,
  {
    paths: /^gitversion\.sh$/,
    fields: ['presence'],
    why: "mkbundle records the git version of any tree in a checkout (the ISO's default VERSION); the 2012 script had no such file and always asked for VERSION",
  },
];

const FLAVOURS = ['dev', 'prod'] as const satisfies readonly Flavour[];
const BUILTIN = 'additional-build-files/builtin-extensions.lst';
const MIRROR = 'additional-build-files/mirror-extensions.lst';

const OVERLAY_2012: readonly Allowance[] = [
  ...OVERLAY_COMMON,
  {
    paths: /^opt\/gems\/(json-1\.8\.0|connection_pool-2\.4\.1|timeout_utils-0\.1\.5)\.gem$/,
    fields: ['presence'],
    why: "mkbundle fetches the listed gems' runtime dependencies too (facter and stomp need them); upstream's `gem fetch` fetched only the listed gems",
  },
];

let dir: string;
let world: World;
const upstream = new Map<Flavour, UpstreamRun>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-parity-2012-'));
  world = await startWorld(join(dir, 'world'));
  for (const flavour of FLAVOURS) {
    // The 2012 script changes the tc password only when given -t; mkbundle always sets one.
    const password = flavour === 'dev' ? { tcPasswd: TC_PASSWORD } : {};
    upstream.set(
      flavour,
      await runUpstream(world, { tree: '2012', flavour, dir: join(dir, flavour, 'upstream'), ...password }),
    );
  }
});
afterAll(async () => {
  await world?.close();
  await rm(dir, { recursive: true, force: true });
});

const ours = new Map<Flavour, Promise<MkbundleRun>>();

/** mkbundle on its own scratch copy of the tree, once per flavour, when a test first asks. */
function mkbundle(flavour: Flavour): Promise<MkbundleRun> {
  let run = ours.get(flavour);
  if (run === undefined) {
    run = (async () => {
      const at = join(dir, flavour, 'ours');
      const source = await prepareTree(world, '2012', join(at, 'razor-microkernel-2012'));
      // md5 like upstream's `openssl passwd -1`, so only the salt differs.
      const image = flavour === 'prod' ? ['-p'] : ['-t', TC_PASSWORD, '--passwd-hash', 'md5'];
      return runMkbundle(world, {
        source,
        flavour,
        dir: at,
        args: ['-b', BUILTIN, '-m', MIRROR, ...world.flagsFor(source), ...image],
        // The 2012 script always downloads open-vm-tools; mkbundle takes its URL from config or environment only.
        env: { MK_BUNDLE_OPEN_VM_TOOLS_URL: world.urls.openVmTools },
      });
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

describe("upstream's 2012 script as a peer", () => {
  it.each(FLAVOURS)(
    '%s: stays on loopback and finds everything in the world but the .dep files it has none of',
    async (flavour) => {
      const r = run(flavour);
      expect(r.stray).toEqual([]);
      expect(r.proxied).toEqual([]);
      const builtin = (await listNames(r.source, BUILTIN)).filter((n) => flavour !== 'prod' || n !== 'openssh.tcz');
      const mirror = await listNames(r.source, MIRROR);
      expect([...r.worldMisses].sort()).toEqual(depMisses(world, [...builtin, ...mirror]));
    },
  );

  it.each(FLAVOURS)(
    '%s: writes a bundle with MCollective, gems, extensions and util-linux in the overlay',
    async (flavour) => {
      const r = run(flavour);
      const onboot = await archiveText(r.overlay, 'tmp/builtin/onboot.lst');
      expect(onboot.includes('openssh.tcz')).toBe(flavour === 'dev');
      expect(await archiveText(r.overlay, 'usr/local/bin/lscpu')).toContain('MKWORLD-EXT util-linux lscpu');
      expect(await archiveText(r.overlay, 'usr/local/tce.installed/mcollective-2.0.0/bin/mcollectived')).toContain(
        'MKWORLD-MCOLLECTIVED',
      );
      expect(await archiveText(r.overlay, 'opt/gems/gem.list')).toContain('stomp');
    },
  );
});

describe.each(FLAVOURS)('the 2012 tree, %s: mkbundle beside upstream', (flavour) => {
  it('mkbundle stays on loopback', { timeout: PARITY_TIMEOUT }, async () => {
    const r = await mkbundle(flavour);
    expect(r.stray).toEqual([]);
    expect(r.proxied).toEqual([]);
  });

  comparisonTests(
    flavour,
    { upstream: () => run(flavour), ours: () => mkbundle(flavour) },
    {
      overlay: OVERLAY_2012,
      bundle: BUNDLE_2012,
    },
  );
});
