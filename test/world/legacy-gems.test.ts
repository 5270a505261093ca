import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGemWorld, gemFileName, WORLD_GEMS } from './gems.js';
import { buildLegacyGemIndex } from './legacy-gems.js';
import { WorldServer } from './server.js';

let dir: string;
let server: WorldServer;
let legacy: Map<string, Buffer>;
const world = buildGemWorld();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-legacy-gems-'));
  legacy = await buildLegacyGemIndex(world.gems);
  server = await WorldServer.start(new Map([...world.routes, ...legacy]));
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** Runs Debian's `gem` with a HOME of its own and no proxy, talking to the world only. */
async function gem(args: readonly string[], cwd: string) {
  return execa('gem', [...args, '--clear-sources', '--source', `${server.url}/`], {
    cwd,
    env: { HOME: dir, LC_ALL: 'C', PATH: process.env.PATH },
    extendEnv: false,
  });
}

/** Name, version and platform of every entry of a Marshal specs index, as Ruby reads it. */
async function indexEntries(route: string): Promise<string[]> {
  const file = join(dir, route.slice(1));
  await writeFile(file, legacy.get(route) ?? Buffer.alloc(0));
  const { stdout } = await execa('ruby', [
    '-rzlib',
    '-e',
    'Marshal.load(Zlib.gunzip(File.binread(ARGV[0]))).each { |n, v, p| puts [n, v, p].join(" ") }',
    file,
  ]);
  return stdout.split('\n').sort();
}

const line = (gem: (typeof WORLD_GEMS)[number]) => `${gem.name} ${gem.version} ${gem.platform ?? 'ruby'}`;
const isPrerelease = (version: string) => /[a-zA-Z]/.test(version);

describe("the gem world's legacy index", () => {
  it('lists every release in specs.4.8.gz and every prerelease in prerelease_specs.4.8.gz', async () => {
    const released = WORLD_GEMS.filter((g) => !isPrerelease(g.version));
    expect(await indexEntries('/specs.4.8.gz')).toEqual(released.map(line).sort());
    const prereleases = WORLD_GEMS.filter((g) => isPrerelease(g.version));
    expect(await indexEntries('/prerelease_specs.4.8.gz')).toEqual(prereleases.map(line).sort());
  });

  it('has a quick spec for every gem', async () => {
    for (const gem of WORLD_GEMS) {
      const name = gemFileName(gem).replace(/\.gem$/, '.gemspec.rz');
      expect((await fetch(`${server.url}/quick/Marshal.4.8/${name}`)).status).toBe(200);
    }
  });

  it("lets `gem fetch` download the latest release, byte for byte the world's", async () => {
    server.resetLog();
    await gem(['fetch', 'stomp'], dir);
    expect(
      (await readFile(join(dir, 'stomp-1.3.2.gem'))).equals(world.gems.get('stomp-1.3.2.gem') ?? Buffer.alloc(0)),
    ).toBe(true);
    // The legacy client reads the Marshal index, never the compact one.
    const paths = server.requests.map((r) => r.path);
    expect(paths).toContain('/latest_specs.4.8.gz');
    expect(paths).toContain('/quick/Marshal.4.8/stomp-1.3.2.gemspec.rz');
    expect(paths.filter((p) => p.startsWith('/info/') || p === '/versions')).toEqual([]);
    expect(server.count((r) => r.status >= 400)).toBe(0);
  });

  it('lets `gem fetch --prerelease` and `-v` pick other versions', async () => {
    await gem(['fetch', 'facter', '--prerelease'], dir);
    await gem(['fetch', 'json_pure', '-v', '< 1.8'], dir);
    expect((await readFile(join(dir, 'facter-2.0.0.rc1.gem'))).length).toBeGreaterThan(0);
    expect((await readFile(join(dir, 'json_pure-1.7.7.gem'))).length).toBeGreaterThan(0);
  });
});
