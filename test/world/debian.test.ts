import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDebianArchive, type DebianArchive, parsePackages, poolDir, WORLD_DEBS } from './debian.js';

let dir: string;
let archive: DebianArchive;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-debian-'));
  archive = await buildDebianArchive();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const hash = (algorithm: string, data: Buffer) => createHash(algorithm).update(data).digest('hex');

describe("the world's Debian archive", () => {
  it('indexes every package with the Filename, Size and sums of the file it serves', () => {
    const packages = gunzipSync(archive.routes.get(archive.packagesGz) ?? Buffer.alloc(0)).toString();
    const stanzas = parsePackages(packages);
    expect(stanzas.map((s) => s.get('Package')).sort()).toEqual([...WORLD_DEBS].sort());
    for (const stanza of stanzas) {
      const body = archive.routes.get(`/${stanza.get('Filename')}`);
      if (body === undefined) throw new Error(`no route for ${stanza.get('Filename')}`);
      expect(Number(stanza.get('Size'))).toBe(body.length);
      expect(stanza.get('MD5sum')).toBe(hash('md5', body));
      expect(stanza.get('SHA256')).toBe(hash('sha256', body));
    }
  });

  it('keeps Debian pool paths: source directory, no epoch in the file name', () => {
    const lshw = archive.debs.get('lshw');
    expect(lshw?.filename).toBe(`pool/main/l/lshw/lshw_${lshw?.version}_${lshw?.architecture}.deb`);
    const pciutils = archive.debs.get('pciutils');
    expect(pciutils?.version).toMatch(/^\d+:/);
    expect(pciutils?.filename).toBe(
      `pool/main/p/pciutils/pciutils_${pciutils?.version.replace(/^\d+:/, '')}_${pciutils?.architecture}.deb`,
    );
    expect(poolDir('libxml2')).toBe('pool/main/libx/libxml2');
    expect(archive.packagesGz).toBe(`/dists/stable/main/binary-${lshw?.architecture}/Packages.gz`);
  });

  it('serves real .deb files that dpkg-deb reads', async () => {
    for (const deb of archive.debs.values()) {
      const file = join(dir, `${deb.name}.deb`);
      await writeFile(file, archive.routes.get(`/${deb.filename}`) ?? Buffer.alloc(0));
      const { stdout } = await execa('dpkg-deb', ['--field', file, 'Package', 'Version']);
      expect(stdout).toBe(`Package: ${deb.name}\nVersion: ${deb.version}`);
    }
    // hdparm carries the maintainer script that deb2tcz keeps.
    const { stdout } = await execa('dpkg-deb', ['--ctrl-tarfile', join(dir, 'hdparm.deb')], { encoding: 'buffer' });
    const members = await execa('tar', ['t'], { input: stdout });
    expect(members.stdout.split('\n')).toContain('./postinst');
  });
});
