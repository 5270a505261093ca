import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveError, FetchError, InputError } from '../../src/errors.js';
import { createHttpClient } from '../../src/fetch/http.js';
import type { DownloadKind } from '../../src/fetch/size-limit.js';
import { parseGemList } from '../../src/gems/gem-list.js';
import { detectGemSource, legacyIndexSource } from '../../src/gems/legacy-source.js';
import { resolveGems } from '../../src/gems/resolve.js';
import type { FetchBytes, GemSource } from '../../src/gems/source.js';
import { buildGemWorld, WORLD_GEM_LIST, WORLD_GEMS, WORLD_RESOLUTION, type WorldGem } from '../world/gems.js';
import { WorldServer } from '../world/server.js';
import { fetchBytes } from './helpers.js';

let root: string;
const servers: WorldServer[] = [];

/** `gem generate_index` over the gems' files, served on loopback (Debian has no `gem server`). */
async function legacyServer(gems: readonly WorldGem[] = WORLD_GEMS): Promise<WorldServer> {
  const dir = await mkdtemp(join(root, 'mirror-'));
  await mkdir(join(dir, 'gems'));
  for (const [name, body] of buildGemWorld(gems).gems) await writeFile(join(dir, 'gems', name), body);
  await execa('gem', ['generate_index', '-d', dir], { env: { HOME: root } });
  const routes = new Map<string, Buffer>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      routes.set(`/${relative(dir, path)}`, await readFile(path));
    }
  }
  const server = await WorldServer.start(routes);
  servers.push(server);
  return server;
}

/** A small world of its own, as in resolve.test.ts: `name version [dep:REQ ...]` per gem. */
function tinyGems(...specs: string[]): WorldGem[] {
  return specs.map((spec) => {
    const [name = '', version = '', ...deps] = spec.split(' ');
    const dependencies = deps.map((d) => {
      const [dep = '', requirement = ''] = d.split(':');
      return { name: dep, requirement: requirement.replaceAll('_', ' '), type: 'runtime' as const };
    });
    return { name, version, dependencies };
  });
}

const resolveList = (list: string, source: GemSource) => resolveGems(parseGemList(list, 'gem.list'), source);
const picked = async (list: string, source: GemSource): Promise<string[]> =>
  (await resolveList(list, source)).map((g) => `${g.name}-${g.version}`);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mkbundle-legacy-source-'));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await rm(root, { recursive: true, force: true });
});

describe('legacyIndexSource against gem generate_index on loopback', () => {
  let server: WorldServer;
  let source: GemSource;
  beforeAll(async () => {
    server = await legacyServer();
    source = legacyIndexSource(server.url, fetchBytes);
  });

  it("resolves Razor's gem.list to what the compact index gives, unverified", async () => {
    const resolved = await resolveList(WORLD_GEM_LIST, source);
    expect(resolved.map((g) => [g.name, g.version])).toEqual(WORLD_RESOLUTION);
    for (const gem of resolved) {
      expect(gem).toMatchObject({ sha256: undefined, unverified: true, file: `${gem.name}-${gem.version}.gem` });
      expect(gem.url).toBe(`${server.url}/gems/${gem.file}`);
    }
    const paths = server.requests.map((r) => r.path);
    expect(paths.filter((p) => p.endsWith('specs.4.8.gz')).sort()).toEqual([
      '/prerelease_specs.4.8.gz',
      '/specs.4.8.gz',
    ]);
    // Development dependencies (rake, rspec) are never looked up.
    expect(paths.filter((p) => /rake|rspec/.test(p))).toEqual([]);
  });

  it('reads versions, platforms, runtime dependencies and the ruby requirement', async () => {
    const json = await source.entries('json');
    expect(json.map((e) => [e.version.text, e.platform]).sort()).toEqual([
      ['1.7.7', undefined],
      ['1.8.0', undefined],
      ['1.8.0', 'java'],
      ['1.9.0', 'java'],
      ['2.0.0.pre', undefined],
    ]);
    const [facter] = (await source.entries('facter')).filter((e) => e.version.text === '1.7.5');
    expect(facter?.dependencies.map((d) => d.name)).toEqual(['json']);
    expect(facter?.ruby.constraints.map((c) => `${c.op} ${c.version.text}`)).toEqual(['>= 1.8.7']);
    expect(await source.entries('no_such_gem')).toEqual([]);
  });

  it('skips prereleases and platform gems unless asked, with the same messages', async () => {
    expect(await picked('json\n', source)).toEqual(['json-1.8.0']);
    expect(await picked('json_pure >= 2.0.0.a\n', source)).toEqual(['json_pure-2.0.0.rc1']);
    expect(await picked('stomp = 1.3.3.pre\n', source)).toEqual(['stomp-1.3.3.pre']);
    await expect(resolveList('json = 1.9.0\n', source)).rejects.toThrow(
      "no pure-Ruby, non-prerelease version of json satisfies '= 1.9.0' (gem.list:1); the index has 5 versions, newest 2.0.0.pre, 1.9.0-'java'",
    );
    await expect(resolveList('stomp > 1.3.2\n', source)).rejects.toThrow(
      "no pure-Ruby, non-prerelease version of stomp satisfies '> 1.3.2' (gem.list:1); the index has 3 versions, newest 1.3.3.pre, 1.3.2, 1.2.9",
    );
    await expect(resolveList('no_such_gem\n', source)).rejects.toThrow(
      "no pure-Ruby, non-prerelease version of no_such_gem satisfies '>= 0' (gem.list:1); the index has no versions",
    );
  });

  it('follows ~> in a chain three deep and ANDs duplicate lines', async () => {
    expect(await picked('connection_pool < 2.3\n', source)).toEqual(['connection_pool-2.2.0', 'timeout_utils-0.1.5']);
    expect(await picked('json_pure >= 1.7.7\njson_pure < 1.8\n', source)).toEqual(['json_pure-1.7.7']);
  });

  it('combines, explains and reports conflicts as with a compact index', async () => {
    const combine = legacyIndexSource(
      (await legacyServer(tinyGems('a 1.0 c:~>_1.0', 'b 1.0 c:>=_1.1', 'c 1.0', 'c 1.1', 'c 1.2', 'c 2.0'))).url,
      fetchBytes,
    );
    expect(await picked('a\nb\n', combine)).toEqual(['a-1.0', 'b-1.0', 'c-1.2']);
    const conflict = legacyIndexSource(
      (await legacyServer(tinyGems('a 1.0 c:~>_1.0', 'c 1.0', 'c 2.0'))).url,
      fetchBytes,
    );
    await expect(resolveList('c\na\n', conflict)).rejects.toThrow(
      "gem conflict: c 2.0 was picked for '>= 0' (gem.list:1) but a 1.0 needs c '~> 1.0'; pin a c version that satisfies both in gem.list",
    );
    expect(await picked('c\na\nc < 2\n', conflict)).toEqual(['c-1.0', 'a-1.0']);
    const cycle = legacyIndexSource((await legacyServer(tinyGems('a 1.0 b:>=_0', 'b 1.0 a:>=_1'))).url, fetchBytes);
    expect(await picked('a\nb\n', cycle)).toEqual(['a-1.0', 'b-1.0']);
  });

  it('fails with the URL on a missing quick gemspec, and on a corrupt index', async () => {
    server.deleteRoute('/quick/Marshal.4.8/daemons-1.1.9.gemspec.rz');
    const fresh = legacyIndexSource(server.url, fetchBytes);
    await expect(resolveList('daemons\n', fresh)).rejects.toThrow(
      new FetchError(`GET ${server.url}/quick/Marshal.4.8/daemons-1.1.9.gemspec.rz: HTTP 404`),
    );
    server.fault('/specs.4.8.gz', { kind: 'corrupt', times: 1 });
    const corrupt = legacyIndexSource(server.url, fetchBytes);
    await expect(corrupt.entries('facter')).rejects.toThrow(ArchiveError);
    await expect(legacyIndexSource(server.url, fetchBytes).entries('facter')).resolves.toHaveLength(3);
  });

  it('refuses a quick gemspec that is for another gem', async () => {
    const body = await fetchBytes(`${server.url}/quick/Marshal.4.8/stomp-1.3.2.gemspec.rz`);
    server.setRoute('/quick/Marshal.4.8/stomp-1.2.9.gemspec.rz', Buffer.from(body));
    await expect(legacyIndexSource(server.url, fetchBytes).entries('stomp')).rejects.toThrow(
      new InputError(`${server.url}/quick/Marshal.4.8/stomp-1.2.9.gemspec.rz: gemspec is for 'stomp 1.3.2 ruby'`),
    );
  });
});

describe('detectGemSource', () => {
  it('finds the compact index, the legacy index, or names the server that has neither', async () => {
    const compact = await WorldServer.start(buildGemWorld().routes);
    servers.push(compact);
    expect((await detectGemSource(compact.url, fetchBytes, { probe: 'facter' })).kind).toBe('compact-index');
    expect(compact.requests.map((r) => r.path)).toEqual(['/info/facter']);
    expect((await detectGemSource(`${compact.url}/`, fetchBytes)).kind).toBe('compact-index');

    const legacy = await legacyServer();
    const detected = await detectGemSource(legacy.url, fetchBytes, { probe: 'facter' });
    expect(detected.kind).toBe('legacy-index');
    expect((await resolveList(WORLD_GEM_LIST, detected)).map((g) => [g.name, g.version])).toEqual(WORLD_RESOLUTION);
    // The specs.4.8.gz that answered the probe is the one the source reads.
    expect(legacy.count((r) => r.path === '/specs.4.8.gz')).toBe(1);

    const empty = await WorldServer.start(new Map());
    servers.push(empty);
    await expect(detectGemSource(empty.url, fetchBytes)).rejects.toThrow(
      new FetchError(
        `${empty.url}: no gem index: neither ${empty.url}/versions (compact index) nor ${empty.url}/specs.4.8.gz (legacy index) answered`,
      ),
    );
  });

  it('asks for each file as its kind: indexes as index, per-gem files as metadata', async () => {
    const legacy = await legacyServer();
    const asked = new Map<string, DownloadKind>();
    const recording: FetchBytes = (url, kind) => {
      asked.set(new URL(url).pathname, kind);
      return fetchBytes(url);
    };
    await resolveList('facter\n', await detectGemSource(legacy.url, recording, { probe: 'facter' }));
    const quick = [...asked].filter(([path]) => path.startsWith('/quick/'));
    expect(quick.length).toBeGreaterThan(0);
    expect(new Set(quick.map(([, kind]) => kind))).toEqual(new Set(['metadata']));
    expect(Object.fromEntries([...asked].filter(([path]) => !path.startsWith('/quick/')))).toEqual({
      '/info/facter': 'metadata',
      '/versions': 'index',
      '/specs.4.8.gz': 'index',
      '/prerelease_specs.4.8.gz': 'index',
    });
  });

  it('stops at a body over its size limit instead of trying the next kind of index', async () => {
    const compact = await WorldServer.start(buildGemWorld().routes);
    servers.push(compact);
    compact.fault('/info/facter', { kind: 'oversize', bytes: 600 * 1024 * 1024 });
    const http = createHttpClient({ version: 'test', retry: { limit: 0 } });
    let n = 0;
    const limited: FetchBytes = async (url, kind) => {
      const dest = join(root, `limited-${n++}`);
      await http.download(url, dest, { limit: { kind, bytes: 1024 * 1024 } });
      return readFile(dest);
    };
    await expect(detectGemSource(compact.url, limited, { probe: 'facter' })).rejects.toThrow(
      `GET ${compact.url}/info/facter: announced 600 MiB, larger than the 1 MiB limit for metadata files`,
    );
    expect(compact.requests.map((r) => r.path)).toEqual(['/info/facter']);
  });
});
