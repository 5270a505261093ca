/**
 * A Debian archive in the test world, the shape the 2013 tree's `.deb`
 * list entries read (`bin/download-deb-pkg-list`, `bin/download-deb-pkg`):
 *
 *   {root}/pool/main/l/lshw/lshw_VERSION_ARCH.deb
 *   {root}/dists/stable/main/binary-ARCH/Packages.gz (and Packages)
 *
 * The `.deb`s are Debian's own (`apt-get download`, kept in `.cache/world/`
 * with the bootable world's downloads), and the index is made by Debian's
 * `dpkg-scanpackages` over them, so every Filename, Size, MD5sum and SHA256
 * in it is the served file's.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { execa } from 'execa';
import { Apt } from './bootable/apt.js';
import { cachedDir, hashParts } from './bootable/cache.js';
import { DEFAULT_CACHE_DIR } from './bootable/paths.js';

/**
 * lshw is what the 2013 builtin list names; hdparm has maintainer scripts
 * (deb2tcz keeps a postinst) and a `+` in its version; pciutils has an
 * epoch, which Debian's file names leave out.
 */
export const WORLD_DEBS = ['lshw', 'hdparm', 'pciutils'] as const;

export const DEBIAN_SUITE = 'stable';

export interface WorldDeb {
  readonly name: string;
  readonly version: string;
  readonly architecture: string;
  /** Relative to the archive root, as the index's Filename field has it. */
  readonly filename: string;
  readonly size: number;
  readonly md5: string;
  readonly sha256: string;
}

export interface DebianArchive {
  /** Path below the archive root (`/pool/…`, `/dists/…`) → body. */
  readonly routes: Map<string, Buffer>;
  /** `/dists/stable/main/binary-ARCH/Packages.gz` */
  readonly packagesGz: string;
  readonly debs: ReadonlyMap<string, WorldDeb>;
}

/** Debian's pool directory of a source package: `l/lshw`, `libx/libxml2`. */
export function poolDir(source: string): string {
  const prefix = source.startsWith('lib') && source.length > 3 ? source.slice(0, 4) : source.slice(0, 1);
  return `pool/main/${prefix}/${source}`;
}

/** The stanzas of a Packages file as field maps (continuation lines are left out). */
export function parsePackages(text: string): Map<string, string>[] {
  return text
    .split(/\n\s*\n/)
    .filter((stanza) => stanza.trim() !== '')
    .map((stanza) => {
      const fields = new Map<string, string>();
      for (const line of stanza.split('\n')) {
        const match = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
        if (match?.[1] !== undefined) fields.set(match[1], match[2] ?? '');
      }
      return fields;
    });
}

async function debField(deb: string, field: string): Promise<string> {
  return (await execa('dpkg-deb', ['--field', deb, field])).stdout.trim();
}

/** Downloads `names` into a pool layout under `dir` and writes `Packages` beside it. */
async function fillArchive(dir: string, names: readonly string[], cacheDir: string): Promise<void> {
  const apt = new Apt(cacheDir);
  for (const name of names) {
    const download = join(dir, `.download-${name}`);
    await mkdir(download, { recursive: true });
    const deb = await apt.download(name, await apt.candidateVersion(name), download);
    const source = (await debField(deb, 'Source')).split(' ')[0] || name;
    const version = (await debField(deb, 'Version')).replace(/^\d+:/, '');
    const arch = await debField(deb, 'Architecture');
    const pool = join(dir, poolDir(source));
    await mkdir(pool, { recursive: true });
    await rename(deb, join(pool, `${name}_${version}_${arch}.deb`));
    await rm(download, { recursive: true });
  }
  const { stdout } = await execa('dpkg-scanpackages', ['--multiversion', 'pool'], { cwd: dir, env: { LC_ALL: 'C' } });
  await writeFile(join(dir, 'Packages'), `${stdout}\n`);
}

/** The archive of `names` (default WORLD_DEBS), downloaded once into `cacheDir`. */
export async function buildDebianArchive(
  names: readonly string[] = WORLD_DEBS,
  cacheDir: string = DEFAULT_CACHE_DIR,
): Promise<DebianArchive> {
  const dir = await cachedDir(join(cacheDir, 'debian-archive', hashParts(['debian-archive 1', ...names])), (tmp) =>
    fillArchive(tmp, names, cacheDir),
  );
  const packages = await readFile(join(dir, 'Packages'));
  const debs = new Map<string, WorldDeb>();
  const routes = new Map<string, Buffer>();
  for (const stanza of parsePackages(packages.toString())) {
    const get = (field: string): string => {
      const value = stanza.get(field);
      if (value === undefined) throw new Error(`test world: ${dir}/Packages: a stanza has no ${field}`);
      return value;
    };
    const deb: WorldDeb = {
      name: get('Package'),
      version: get('Version'),
      architecture: get('Architecture'),
      filename: get('Filename'),
      size: Number(get('Size')),
      md5: get('MD5sum'),
      sha256: get('SHA256'),
    };
    debs.set(deb.name, deb);
    routes.set(`/${deb.filename}`, await readFile(join(dir, deb.filename)));
  }
  const arch = [...debs.values()].find((d) => d.architecture !== 'all')?.architecture ?? 'all';
  const index = `/dists/${DEBIAN_SUITE}/main/binary-${arch}`;
  routes.set(`${index}/Packages`, packages);
  routes.set(`${index}/Packages.gz`, gzipSync(packages, { level: 9 }));
  return { routes, packagesGz: `${index}/Packages.gz`, debs };
}
