import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLegacyIndex, writeLegacyIndex } from '../../src/gems/legacy-index.js';
import { buildGemWorld } from '../world/gems.js';
import { listFiles, routesOfDir, WorldServer } from '../world/server.js';
import { buildPeerGems } from './peer-gems.js';
import { gemIn, gemInstallArgs, ruby } from './ruby.js';

/** The Marshal bytes inside an index file. */
function marshalOf(path: string, data: Buffer): Buffer {
  if (path.endsWith('.gz')) return gunzipSync(data);
  if (path.endsWith('.rz')) return inflateSync(data);
  return data;
}

/** Ruby loads each index file of both mirrors and compares the values (`==` and the dumped fields). */
const RUBY_COMPARE = `
require 'rubygems'
ours, theirs = ENV.fetch('OURS'), ENV.fetch('THEIRS')
Dir.chdir(theirs) { Dir.glob('{*.4.8*,quick/**/*.rz}') }.sort.each do |path|
  load = ->(dir) do
    data = File.binread(File.join(dir, path))
    data = Gem::Util.gunzip(data) if path.end_with?('.gz')
    data = Gem::Util.inflate(data) if path.end_with?('.rz')
    Marshal.load(data)
  end
  a, b = load.(ours), load.(theirs)
  # A spec's inspect shows its address; its _dump and dependencies show its content.
  shown = ->(v) { v.is_a?(Gem::Specification) ? [v._dump(0), v.dependencies.map(&:inspect)] : v.inspect }
  same = a == b && shown.(a) == shown.(b)
  puts "#{same ? 'same' : 'DIFFERENT'} #{path}"
end
`;

interface Mirror {
  readonly ours: string;
  readonly theirs: string;
}

/** The same gems indexed by us and by `gem generate_index`. */
async function indexBoth(root: string, gems: ReadonlyMap<string, Buffer>): Promise<Mirror> {
  const mirror: Mirror = { ours: join(root, 'ours'), theirs: join(root, 'theirs') };
  for (const dir of [mirror.ours, mirror.theirs]) {
    await mkdir(join(dir, 'gems'), { recursive: true });
    for (const [name, body] of gems) await writeFile(join(dir, 'gems', name), body);
  }
  execFileSync('gem', ['generate_index', '-d', mirror.theirs], {
    stdio: 'ignore',
    env: { ...process.env, HOME: root },
  });
  await writeLegacyIndex(mirror.ours);
  return mirror;
}

async function expectSameIndex({ ours, theirs }: Mirror): Promise<void> {
  const files = await listFiles(theirs);
  expect(await listFiles(ours)).toEqual(files);
  for (const path of files.filter((p) => !p.startsWith('gems/'))) {
    const [a, b] = await Promise.all([readFile(join(ours, path)), readFile(join(theirs, path))]);
    expect({ path, marshal: marshalOf(path, a).toString('hex') }).toEqual({
      path,
      marshal: marshalOf(path, b).toString('hex'),
    });
  }
  const verdicts = ruby(RUBY_COMPARE, '', { OURS: ours, THEIRS: theirs }).trim().split('\n');
  expect(verdicts.filter((line) => !line.startsWith('same '))).toEqual([]);
  expect(verdicts).toHaveLength(files.filter((p) => !p.startsWith('gems/')).length);
}

describe('buildLegacyIndex against gem generate_index', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'mkbundle-legacy-index-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("writes the world's index as generate_index does, Marshal byte for byte", async () => {
    await expectSameIndex(await indexBoth(join(root, 'world'), buildGemWorld().gems));
  });

  it('agrees on gems built by gem build and on old-style gemspec YAML', async () => {
    const gems = await buildPeerGems(join(root, 'build'));
    await expectSameIndex(await indexBoth(join(root, 'peer'), gems));
  });

  it('is deterministic, gzip without name or mtime', async () => {
    const gems = [...buildGemWorld().gems].map(([name, source]) => ({ name, source }));
    const [a, b] = [await buildLegacyIndex(gems), await buildLegacyIndex([...gems].reverse())];
    expect([...a.keys()]).toEqual([...b.keys()]);
    for (const [path, data] of a) {
      expect(b.get(path)?.equals(data)).toBe(true);
      if (path.endsWith('.gz')) expect([...data.subarray(3, 10)]).toEqual([0, 0, 0, 0, 0, 0, 3]);
    }
  });
});

describe("Debian's gem against our index on loopback (no gem server package: generate_index output over HTTP)", () => {
  let root: string;
  let server: WorldServer;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'mkbundle-legacy-gem-'));
    await mkdir(join(root, 'mirror/gems'), { recursive: true });
    for (const [name, body] of buildGemWorld().gems) await writeFile(join(root, 'mirror/gems', name), body);
    await writeLegacyIndex(join(root, 'mirror'));
    server = await WorldServer.start(await routesOfDir(join(root, 'mirror')));
  });
  afterAll(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });

  const gem = (...args: string[]) => gemIn(root)(...args);

  it('lists every gem and version', async () => {
    const { stdout } = await gem('list', '--remote', '--all', '--clear-sources', '--source', `${server.url}/`);
    const listed = Object.fromEntries(
      stdout
        .split('\n')
        .map((line) => /^(\S+) \((.*)\)$/.exec(line))
        .filter((m) => m !== null)
        .map((m) => [m[1], m[2]]),
    );
    expect(listed).toEqual({
      connection_pool: '3.0.0, 2.4.1, 2.2.0, 2.1.0',
      daemons: '1.1.9, 1.1.8',
      facter: '1.7.5, 1.6.18',
      json: '1.9.0 java, 1.8.0 ruby java, 1.7.7',
      json_pure: '1.8.1, 1.7.7, 1.7.6',
      stomp: '1.3.2, 1.2.9',
      timeout_utils: '0.2.0, 0.1.5, 0.1.2, 0.1.1',
    });
    // RubyGems 3.3 asks for the compact index first, then reads ours.
    expect(server.requests.map((r) => `${r.status} ${r.path}`)).toContain('200 /specs.4.8.gz');
  });

  it('installs facter and its runtime dependency from it', async () => {
    const installDir = join(root, 'installed');
    await gem(...gemInstallArgs(`${server.url}/`, installDir, ['facter']));
    expect((await readdir(join(installDir, 'specifications'))).sort()).toEqual([
      'facter-1.7.5.gemspec',
      'json-1.8.0.gemspec',
    ]);
    const paths = server.requests.map((r) => r.path);
    expect(paths).toContain('/quick/Marshal.4.8/facter-1.7.5.gemspec.rz');
    expect(paths).toContain('/gems/json-1.8.0.gem');
  });
});
