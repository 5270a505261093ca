import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseInfo, parseVersions } from '../../src/gems/compact-index.js';
import { buildGemWorld, gemFileName, WORLD_GEMS } from '../world/gems.js';

/** Reads a ustar archive's regular files, checking each header's checksum. */
function untar(archive: Buffer): Map<string, { data: Buffer; mode: number }> {
  const files = new Map<string, { data: Buffer; mode: number }>();
  let offset = 0;
  while (offset + 512 <= archive.length && archive[offset] !== 0) {
    const header = archive.subarray(offset, offset + 512);
    const field = (start: number, length: number): string =>
      header.toString('ascii', start, start + length).replace(/\0.*$/s, '');
    const size = Number.parseInt(field(124, 12), 8);
    const sum = [...header].reduce((total, byte, i) => total + (i >= 148 && i < 156 ? 32 : byte), 0);
    expect(Number.parseInt(field(148, 8), 8)).toBe(sum);
    expect(field(257, 6)).toBe('ustar');
    expect(field(156, 1)).toBe('0');
    files.set(field(0, 100), {
      data: archive.subarray(offset + 512, offset + 512 + size),
      mode: Number.parseInt(field(100, 8), 8),
    });
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  expect(archive.subarray(offset).every((byte) => byte === 0)).toBe(true);
  return files;
}

const sha = (algorithm: string, data: Buffer): string => createHash(algorithm).update(data).digest('hex');

describe('the gem world', () => {
  const world = buildGemWorld();

  it('builds byte-identical worlds', () => {
    const again = buildGemWorld();
    expect([...again.routes.keys()]).toEqual([...world.routes.keys()]);
    for (const [path, body] of world.routes) expect(again.routes.get(path)?.equals(body)).toBe(true);
  });

  it.each(WORLD_GEMS.map((gem) => [gemFileName(gem), gem] as const))('%s is a real .gem', (file, gem) => {
    const body = world.routes.get(`/gems/${file}`) ?? Buffer.alloc(0);
    const members = untar(body);
    expect([...members.keys()]).toEqual(['metadata.gz', 'data.tar.gz', 'checksums.yaml.gz']);
    const metadata = members.get('metadata.gz')?.data ?? Buffer.alloc(0);
    const data = members.get('data.tar.gz')?.data ?? Buffer.alloc(0);

    const yaml = gunzipSync(metadata).toString();
    expect(yaml).toMatch(/^--- !ruby\/object:Gem::Specification\n/);
    expect(yaml).toContain(`\nname: '${gem.name}'\n`);
    expect(yaml).toContain(`\nversion: !ruby/object:Gem::Version\n  version: '${gem.version}'\n`);
    expect(yaml).toContain(`\nplatform: '${gem.platform ?? 'ruby'}'\n`);
    for (const dep of gem.dependencies ?? []) expect(yaml).toContain(`  name: '${dep.name}'`);

    const checksums = gunzipSync(members.get('checksums.yaml.gz')?.data ?? Buffer.alloc(0)).toString();
    for (const algorithm of ['sha256', 'sha512']) {
      expect(checksums).toContain(`  metadata.gz: '${sha(algorithm, metadata)}'`);
      expect(checksums).toContain(`  data.tar.gz: '${sha(algorithm, data)}'`);
    }
    const lib = untar(gunzipSync(data));
    expect([...lib.keys()]).toEqual([`lib/${gem.name}.rb`]);
    expect(lib.get(`lib/${gem.name}.rb`)?.data.toString()).toContain(`GEMS['${gem.name}'] = '${gem.version}'`);
  });

  it('publishes an index that matches the files', () => {
    const versions = parseVersions(world.routes.get('/versions')?.toString() ?? '', '/versions');
    const names = world.routes.get('/names')?.toString().split('\n').slice(1, -1);
    expect(names).toEqual([...versions.keys()].sort());
    for (const [name, record] of versions) {
      const info = world.routes.get(`/info/${name}`) ?? Buffer.alloc(0);
      expect(record.infoMd5).toBe(sha('md5', info));
      const entries = parseInfo(info.toString(), `/info/${name}`);
      expect(entries.map((e) => (e.platform ? `${e.version.text}-${e.platform}` : e.version.text))).toEqual(
        record.versions,
      );
      for (const entry of entries) {
        const file = `${name}-${entry.version.text}${entry.platform ? `-${entry.platform}` : ''}.gem`;
        expect(entry.sha256).toBe(sha('sha256', world.routes.get(`/gems/${file}`) ?? Buffer.alloc(0)));
      }
    }
    expect(world.routes.size).toBe(2 + versions.size + WORLD_GEMS.length);
  });

  it('lists only runtime dependencies in the index', () => {
    const stomp = parseInfo(world.routes.get('/info/stomp')?.toString() ?? '', '/info/stomp');
    expect(stomp.find((e) => e.version.text === '1.3.2')?.dependencies.map((d) => d.name)).toEqual([
      'connection_pool',
      'json',
    ]);
  });
});
