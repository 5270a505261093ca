/**
 * A mirror on disk: `--mirror DIR` laid out like a mirror's `tcz` directory
 * and `--iso-url file:///…` give the same extensions as the HTTP mirror,
 * with no request for any of them; a file the directory lacks is one line.
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, type World } from '../world/index.js';
import { runCli, tarContents } from './harness.js';

let dir: string;
let world: World;
let mirror: string;
let iso: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-local-mirror-'));
  world = await startWorld(join(dir, 'world'));
  mirror = join(dir, 'srv', 'tiny core', 'tcz');
  expect(await world.server.writeTree(world.tinycore.tczPath, mirror)).toBeGreaterThan(20);
  iso = join(dir, 'srv', 'Core-current.iso');
  await copyFile(world.coreIso, iso);
});
afterAll(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

/** world.flags with the mirror and the ISO replaced. */
function flagsWith(mirrorValue: string, isoValue: string): string[] {
  const flags = [...world.flags];
  flags[flags.indexOf('--mirror') + 1] = mirrorValue;
  flags[flags.indexOf('--iso-url') + 1] = isoValue;
  return flags;
}

const build = (name: string, flags: readonly string[]) =>
  runCli(['-b', world.builtinList, '-m', world.mirrorList, '-p', ...flags, '--out', join(dir, name)], {
    XDG_CACHE_HOME: join(dir, `cache-${name}`),
    SOURCE_DATE_EPOCH: '1700000000',
  });

/** The Core ISO and every extension file, from the bundle and the overlay inside it. */
async function extensions(bundle: string): Promise<Map<string, Buffer | undefined>> {
  const found = new Map<string, Buffer | undefined>();
  const outer = await tarContents(bundle);
  const overlay = outer.get('dependencies/razor-microkernel-overlay.tar.gz')?.body;
  for (const [path, entry] of [...outer, ...(overlay ? await tarContents(overlay) : [])]) {
    if (/\.tcz(\.(md5\.txt|dep|info|list))?$/.test(path) || path.endsWith('.iso')) found.set(path, entry.body);
  }
  return found;
}

describe('a mirror and a Core ISO on disk', () => {
  it('builds from a directory path and a file: URL with no request for either, the same files as over HTTP', async () => {
    const overHttp = await build('http', world.flags);
    expect(overHttp.code).toBe(0);
    world.server.resetLog();
    const local = await build('local', flagsWith(mirror, pathToFileURL(iso).href));
    expect(local.code).toBe(0);
    const paths = world.server.requests.map((r) => r.path);
    expect(paths.filter((p) => p.startsWith(world.tinycore.tczPath) || p === world.tinycore.isoPath)).toEqual([]);
    const name = 'razor-microkernel-bundle-prod.tar.gz';
    const [a, b] = [await extensions(join(dir, 'http', name)), await extensions(join(dir, 'local', name))];
    expect(a.size).toBeGreaterThan(20);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [path, body] of a) expect(b.get(path)?.equals(body as Buffer), path).toBe(true);
  });

  it('a relative path works like an absolute one', async () => {
    const cwd = process.cwd();
    process.chdir(join(dir, 'srv'));
    try {
      const run = await build('relative', flagsWith('tiny core/tcz', './Core-current.iso'));
      expect(run.stderr).not.toMatch(/error/);
      expect(run.code).toBe(0);
    } finally {
      process.chdir(cwd);
    }
  });

  it('names the file a local mirror lacks, in one line (exit 3, as a 404 is)', async () => {
    await rm(join(mirror, 'ruby.tcz'));
    const run = await build('missing', flagsWith(mirror, iso));
    expect(run.code).toBe(3);
    expect(run.stderr.trim().split('\n').at(-1)).toBe(`mkbundle: '${join(mirror, 'ruby.tcz')}': no such file`);
  });
});
