import { mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HOSTILE_KINDS,
  hostileMcollectiveTarball,
  mcollectiveTarball,
  rubygemsTarball,
  TARBALL_PATHS,
  tarballRoutes,
} from '../world/tarballs.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tce-tarballs-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function gnuList(tgz: Buffer): Promise<string[]> {
  const file = join(dir, `list-${Math.random().toString(36).slice(2)}.tgz`);
  await writeFile(file, tgz);
  const { stdout } = await execa('tar', ['-tvzf', file]);
  return stdout.split('\n');
}

describe('world tarballs', () => {
  it('are byte-for-byte reproducible', () => {
    expect(mcollectiveTarball().equals(mcollectiveTarball())).toBe(true);
    expect(rubygemsTarball().equals(rubygemsTarball())).toBe(true);
  });

  it('MCollective unpacks with GNU tar into the 2.0.0 layout, root-owned, with a relative symlink', async () => {
    const listing = await gnuList(mcollectiveTarball());
    expect(listing.every((line) => line.includes(' root/root '))).toBe(true);
    expect(
      listing.some((line) => line.startsWith('-rwxr-xr-x') && line.endsWith(' mcollective-2.0.0/bin/mcollectived')),
    ).toBe(true);
    const out = join(dir, 'mco');
    await execa('mkdir', ['-p', out]);
    await writeFile(join(dir, 'm.tgz'), mcollectiveTarball());
    await execa('tar', ['-xzf', join(dir, 'm.tgz'), '-C', out]);
    for (const path of [
      'bin/mcollectived',
      'lib/mcollective.rb',
      'plugins/mcollective/agent/rpcutil.rb',
      'etc/server.cfg.dist',
    ]) {
      await expect(readFile(join(out, 'mcollective-2.0.0', path))).resolves.toBeInstanceOf(Buffer);
    }
    expect(await readlink(join(out, 'mcollective-2.0.0/etc/facts.yaml'))).toBe('facts.yaml.dist');
  });

  it('RubyGems has setup.rb and lib/rubygems.rb under rubygems-1.8.24/', async () => {
    const listing = await gnuList(rubygemsTarball());
    expect(listing.some((line) => line.endsWith(' rubygems-1.8.24/setup.rb'))).toBe(true);
    expect(listing.some((line) => line.endsWith(' rubygems-1.8.24/lib/rubygems.rb'))).toBe(true);
  });

  it('hostile variants carry their entry last', async () => {
    expect((await gnuList(hostileMcollectiveTarball('dotdot'))).at(-1)).toMatch(/ \.\.\/escape$/);
    expect((await gnuList(hostileMcollectiveTarball('absolute'))).at(-1)).toMatch(/ \/tmp\/mkworld-absolute-escape$/);
    const link = await gnuList(hostileMcollectiveTarball('symlink-write'));
    expect(link.at(-2)).toMatch(/mcollective-2\.0\.0\/plugins\/evil -> \.\.\/\.\.\/\.\.$/);
    expect(link.at(-1)).toMatch(/ mcollective-2\.0\.0\/plugins\/evil\/escape$/);
  });

  it('routes', () => {
    const routes = tarballRoutes();
    expect([...routes.keys()]).toEqual([
      '/mcollective/mcollective-2.0.0.tgz',
      '/rubygems/rubygems-1.8.24.tgz',
      '/razor/open-vm-tools/mk-open-vm-tools.tar.gz',
      ...HOSTILE_KINDS.map((k) => `/mcollective-hostile/${k}/mcollective-2.0.0.tgz`),
    ]);
    expect(routes.get(TARBALL_PATHS.mcollective)?.equals(mcollectiveTarball())).toBe(true);
  });
});
