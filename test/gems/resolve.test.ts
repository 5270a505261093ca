import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchError, InputError, IntegrityError } from '../../src/errors.js';
import { parseInfo } from '../../src/gems/compact-index.js';
import { parseGemList } from '../../src/gems/gem-list.js';
import { parseRequirement } from '../../src/gems/requirement.js';
import { pickVersion, resolveGems } from '../../src/gems/resolve.js';
import { compactIndexSource, type GemSource } from '../../src/gems/source.js';
import { parseVersion } from '../../src/gems/version.js';
import { buildGemWorld, WORLD_GEM_LIST, WORLD_RESOLUTION, type WorldGem } from '../world/gems.js';
import { WorldServer } from '../world/server.js';
import { fetchText, memorySource } from './helpers.js';

const world = buildGemWorld();
const resolveList = (list: string, source: GemSource = memorySource(world.routes)) =>
  resolveGems(parseGemList(list, 'gem.list'), source);
const picked = async (list: string, source?: GemSource): Promise<string[]> =>
  (await resolveList(list, source)).map((g) => `${g.name}-${g.version}`);

/** A small world of its own: `name version [dep:REQ ...]` per gem. */
function tinyWorld(...specs: string[]): GemSource & { asked: string[] } {
  const gems = specs.map((spec): WorldGem => {
    const [name = '', version = '', ...deps] = spec.split(' ');
    const dependencies = deps.map((d) => {
      const [dep = '', requirement = ''] = d.split(':');
      return { name: dep, requirement: requirement.replaceAll('_', ' '), type: 'runtime' as const };
    });
    return { name, version, dependencies };
  });
  return memorySource(buildGemWorld(gems).routes);
}

describe('resolveGems against the world', () => {
  let server: WorldServer;
  beforeAll(async () => {
    server = await WorldServer.start(world.routes);
  });
  afterAll(async () => {
    await server.close();
  });

  it("resolves Razor's gem.list over HTTP to the latest pure-Ruby releases, dependencies breadth first", async () => {
    const resolved = await resolveList(WORLD_GEM_LIST, compactIndexSource(`${server.url}/`, fetchText));
    expect(resolved.map((g) => [g.name, g.version])).toEqual(WORLD_RESOLUTION);
    for (const gem of resolved) {
      expect(gem.file).toBe(`${gem.name}-${gem.version}.gem`);
      expect(gem.url).toBe(`${server.url}/gems/${gem.file}`);
      expect(gem.sha256).toBe(world.sha256.get(gem.file));
    }
    // Development dependencies (rake, rspec) are never looked up; each name is asked for once.
    const infoPaths = server.requests.map((r) => r.path).filter((p) => p.startsWith('/info/'));
    expect(infoPaths.sort()).toEqual(WORLD_RESOLUTION.map(([name]) => `/info/${name}`).sort());
  });

  it('propagates the FetchError of an unknown gem, with its URL', async () => {
    const source = compactIndexSource(server.url, fetchText);
    await expect(resolveList('facter\nno_such_gem\n', source)).rejects.toThrow(FetchError);
    await expect(resolveList('no_such_gem\n', source)).rejects.toThrow(`${server.url}/info/no_such_gem`);
  });

  it('propagates a server error on an index fetch', async () => {
    server.fault('/info/stomp', { kind: 'status', status: 500, times: 1 });
    await expect(resolveList('stomp\n', compactIndexSource(server.url, fetchText))).rejects.toThrow(FetchError);
  });
});

describe('resolveGems rules', () => {
  it('skips prereleases and platform gems unless asked for a prerelease', async () => {
    expect(await picked('json\n')).toEqual(['json-1.8.0']);
    expect(await picked('json_pure >= 2.0.0.a\n')).toEqual(['json_pure-2.0.0.rc1']);
    expect(await picked('stomp = 1.3.3.pre\n')).toEqual(['stomp-1.3.3.pre']);
  });

  it('never picks a platform gem, even when asked for its version', async () => {
    const failure = resolveList('json = 1.9.0\n');
    await expect(failure).rejects.toThrow(InputError);
    await expect(failure).rejects.toThrow(
      "no pure-Ruby, non-prerelease version of json satisfies '= 1.9.0' (gem.list:1); the index has 5 versions, newest 2.0.0.pre, 1.9.0-'java'",
    );
  });

  it('says when prereleases were skipped', async () => {
    await expect(resolveList('stomp > 1.3.2\n')).rejects.toThrow(
      "no pure-Ruby, non-prerelease version of stomp satisfies '> 1.3.2' (gem.list:1); the index has 3 versions, newest 1.3.3.pre, 1.3.2, 1.2.9",
    );
    await expect(resolveList('stomp > 1.3.3.pre\n')).rejects.toThrow('no pure-Ruby version of stomp');
  });

  it('follows ~> in a chain three deep', async () => {
    expect(await picked('connection_pool < 2.3\n')).toEqual(['connection_pool-2.2.0', 'timeout_utils-0.1.5']);
    expect(await picked('stomp\n')).toEqual([
      'stomp-1.3.2',
      'connection_pool-2.4.1',
      'json-1.8.0',
      'timeout_utils-0.1.5',
    ]);
  });

  it('ANDs duplicate gem.list lines', async () => {
    expect(await picked('json_pure >= 1.7.7\njson_pure < 1.8\n')).toEqual(['json_pure-1.7.7']);
  });

  it('combines requirements that arrive before the pick', async () => {
    const source = tinyWorld('a 1.0 c:~>_1.0', 'b 1.0 c:>=_1.1', 'c 1.0', 'c 1.1', 'c 1.2', 'c 2.0');
    expect(await picked('a\nb\n', source)).toEqual(['a-1.0', 'b-1.0', 'c-1.2']);
  });

  it('explains requirements that no version meets together', async () => {
    const source = tinyWorld('a 1.0 c:~>_1.0', 'b 1.0 c:>=_2', 'c 1.0', 'c 2.0');
    await expect(resolveList('a\nb\n', source)).rejects.toThrow(
      "no pure-Ruby, non-prerelease version of c satisfies '~> 1.0' (a 1.0) and '>= 2' (b 1.0); the index has 2 versions, newest 2.0, 1.0",
    );
  });

  it('names both sides when a later requirement rejects an earlier pick, and a pin resolves it', async () => {
    const source = tinyWorld('a 1.0 c:~>_1.0', 'c 1.0', 'c 2.0');
    await expect(resolveList('c\na\n', source)).rejects.toThrow(
      "gem conflict: c 2.0 was picked for '>= 0' (gem.list:1) but a 1.0 needs c '~> 1.0'; pin a c version that satisfies both in gem.list",
    );
    expect(await picked('c\na\nc < 2\n', source)).toEqual(['c-1.0', 'a-1.0']);
  });

  it('terminates on dependency cycles and asks for each name once', async () => {
    const source = tinyWorld('a 1.0 b:>=_0', 'b 1.0 a:>=_1', 'b 2.0 a:<_1');
    await expect(resolveList('a\n', source)).rejects.toThrow('gem conflict: a 1.0');
    const fine = tinyWorld('a 1.0 b:>=_0', 'b 1.0 a:>=_1');
    expect(await picked('a\nb\n', fine)).toEqual(['a-1.0', 'b-1.0']);
    expect(fine.asked).toEqual(['a', 'b']);
  });

  it('is deterministic when index answers arrive out of order', async () => {
    const inner = memorySource(world.routes);
    const delays = new Map([
      ['facter', 30],
      ['json_pure', 20],
      ['daemons', 10],
    ]);
    const slow: GemSource = {
      ...inner,
      entries: async (name) => {
        await new Promise((resolve) => setTimeout(resolve, delays.get(name) ?? 0));
        return inner.entries(name);
      },
    };
    const resolved = await resolveList(WORLD_GEM_LIST, slow);
    expect(resolved.map((g) => [g.name, g.version])).toEqual(WORLD_RESOLUTION);
  });

  it('refuses a pick the index gives no checksum for', async () => {
    const routes = new Map([['/info/old', Buffer.from('---\n1.0 \n')]]);
    await expect(resolveList('old\n', memorySource(routes))).rejects.toThrow(
      new IntegrityError('mem://gems/info/old gives no checksum for old 1.0'),
    );
  });

  it('can skip versions whose ruby or rubygems requirement rejects the target', async () => {
    const sha = 'c'.repeat(64);
    const info = parseInfo(
      `---\n1.0 |checksum:${sha},ruby:>= 1.8.7\n2.0 |checksum:${sha},ruby:>= 2.3\n3.0 |checksum:${sha},rubygems:>= 3\n`,
      'u',
    );
    const any = [{ requirement: parseRequirement('>= 0'), from: 'test' }];
    expect(pickVersion(info, any)?.version.text).toBe('3.0');
    expect(pickVersion(info, any, { ruby: parseVersion('1.9.3') })?.version.text).toBe('3.0');
    expect(
      pickVersion(info, any, { ruby: parseVersion('1.9.3'), rubygems: parseVersion('1.8.23') })?.version.text,
    ).toBe('1.0');
    expect(pickVersion(info, any, { ruby: parseVersion('1.8.6') })?.version.text).toBe('3.0');
    expect(pickVersion(info, any, { ruby: parseVersion('1.8.6'), rubygems: parseVersion('2') })).toBeUndefined();
  });

  it('picks the first of equal versions', () => {
    const info = parseInfo(`---\n1.0 |checksum:${'1'.repeat(64)}\n1.0.0 |checksum:${'2'.repeat(64)}\n`, 'u');
    expect(pickVersion(info, [])?.sha256).toBe('1'.repeat(64));
  });
});
