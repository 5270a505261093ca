import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { runCli } from '../bundle/harness.js';
import { bootIso } from '../world/bootable/qemu.js';
import type { World } from '../world/index.js';
import { isoAsNobody } from './helpers.js';

/*
 * What the boot tests share: build a bundle of a flavour from a bootable
 * world, its ISO as nobody, boot it, and check the world's markers.
 */

export type Flavour = 'dev' | 'prod' | 'debug';
const FLAVOUR_FLAGS = { dev: [], prod: ['-p'], debug: ['-d'] } as const;

export interface BootBuild {
  readonly world: World;
  /** Scratch directory (mode 0777: the ISO stage runs as nobody). */
  readonly dir: string;
  readonly version: string;
  /** Extra bundle flags every build of this test gets (e.g. `--tc-version 16.x --arch x86_64`). */
  readonly common?: readonly string[];
}

/** Builds a bundle from `list` (the world's builtin list by default) and its ISO, boots it, returns the markers. */
export async function bootBuilt(
  b: BootBuild,
  name: string,
  flavour: Flavour,
  bundleArgs: readonly string[],
  list = b.world.builtinList,
): Promise<readonly string[]> {
  const bundleDir = join(b.dir, `bundle-${name}`);
  const built = await runCli(
    [
      ...['-b', list, '-m', b.world.mirrorList, ...b.world.flags, ...(b.common ?? [])],
      ...['--out', bundleDir, ...FLAVOUR_FLAGS[flavour], ...bundleArgs],
    ],
    { XDG_CACHE_HOME: join(b.dir, 'cache') },
  );
  if (built.code !== 0) throw new Error(`bundle failed: ${built.stderr}`);
  await chmod(bundleDir, 0o755);
  const out = join(b.dir, `iso-${name}`);
  await mkdir(out);
  await chmod(out, 0o777);
  const extra = flavour === 'prod' ? [] : ['--no-recompress'];
  const bundle = join(bundleDir, `razor-microkernel-bundle-${flavour}.tar.gz`);
  const run = isoAsNobody(bundle, b.version, ['--out', out, ...extra]);
  if (run.code !== 0) throw new Error(`iso failed: ${run.stderr}`);
  const boot = await bootIso(join(out, `rz_mk_${flavour}-image.${b.version}.iso`));
  return boot.markers;
}

export const value = (markers: readonly string[], key: string) =>
  markers.find((m) => m.startsWith(`${key} `))?.slice(key.length + 1);

export const stem = (name: string) => name.replace(/\.tcz$/, '');

/** `names` and everything their `.dep` files reach in the world's mirror, less `without`. */
export function closureOf(world: World, names: readonly string[], without: readonly string[] = []): string[] {
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name) || without.includes(name)) return;
    seen.add(name);
    for (const dep of world.tinycore.extensions.get(name)?.deps ?? []) visit(dep);
  };
  for (const name of names) visit(name);
  return [...seen];
}

export const builtinNames = (world: World) => world.tinycore.builtinList.trim().split('\n');

/** Every flavour: the version, each extension installed, mounted and its programs run, lscpu in bootsync. */
export function expectMicrokernel(
  world: World,
  version: string,
  markers: readonly string[],
  loaded: readonly string[],
): void {
  expect(markers).toContain('MKWORLD-TC-CONFIG-DONE');
  expect(markers).toContain('MKWORLD-MODULES-OK');
  expect(value(markers, 'MKWORLD-VERSION')).toBe(`mk_version: "${version}"`);
  const missing: string[] = [];
  for (const name of loaded) {
    const wanted = [
      `MKWORLD-INSTALLED ${stem(name)}`,
      `MKWORLD-MOUNTED ${stem(name)}`,
      ...(world.tinycore.extensions.get(name)?.programs.values() ?? []),
    ];
    missing.push(...wanted.filter((line) => !markers.includes(line)));
  }
  expect(missing).toEqual([]);
  expect(markers.filter((m) => m.startsWith('MKWORLD-NOT-LINKED '))).toEqual([]);
  const start = markers.indexOf('MKWORLD-BOOTSYNC-START');
  const end = markers.indexOf('MKWORLD-BOOTSYNC-END');
  expect(start).toBeGreaterThan(-1);
  expect(markers.slice(start, end)).toContain('MKWORLD-EXT util-linux lscpu');
  expect(markers).toContain('MKWORLD-BOOTLOCAL-RAN');
}
