import { lstat, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './run.js';
import { buildSourceTree, type Model, modelOf, PSEUDO_DEVICES, pseudoArgs, withPseudo } from './source-tree.js';

export const MKSQUASHFS_COMPRESSORS = ['gzip', 'xz', 'zstd', 'lz4', 'lzma'] as const;

export interface Fixture {
  dir: string;
  source: string;
  /** The source tree as read back from disk. */
  sourceModel: Model;
  /** Tiny Core's parameters: mksquashfs -comp gzip -b 4096. */
  tcz: string;
  /** The same tree through mksquashfs with other compressors. */
  mksquashfs: Record<(typeof MKSQUASHFS_COMPRESSORS)[number], string>;
  /** What every mksquashfs image should list. */
  mksquashfsModel: Model;
  /** gensquashfs with a pack file (glob of the tree plus device lines), gzip, 4 KiB blocks. */
  gensquashfs: string;
  /** gensquashfs, zstd, 128 KiB blocks, no tail packing. */
  gensquashfsZstd: string;
  gensquashfsModel: Model;
  /** mksquashfs -comp lzo, which libsquashfs cannot decode. */
  lzo: string;
  cleanup(): Promise<void>;
}

export async function mksquashfs(source: string, image: string, extra: string[]): Promise<void> {
  await run('mksquashfs', [source, image, '-noappend', '-no-progress', '-quiet', ...extra]);
}

async function gensquashfs(source: string, image: string, pack: string, extra: string[]): Promise<void> {
  await run('gensquashfs', ['-q', '-f', '-F', pack, '-D', source, ...extra, image]);
}

/** The source tree and images of it made by the real tools, in a fresh temp dir. */
export async function makeFixture(): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), 'mkbundle-sqfs-'));
  const source = join(dir, 'src');
  await buildSourceTree(source);
  const sourceModel = await modelOf(source);
  const image = (name: string) => join(dir, name);

  const mk = {} as Fixture['mksquashfs'];
  await Promise.all(
    MKSQUASHFS_COMPRESSORS.map(async (comp) => {
      mk[comp] = image(`mk-${comp}.sqfs`);
      await mksquashfs(source, mk[comp], ['-comp', comp, '-b', '4096', ...pseudoArgs()]);
    }),
  );
  const lzo = image('mk-lzo.sqfs');
  await mksquashfs(source, lzo, ['-comp', 'lzo', '-b', '4096']);

  const root = await lstat(source);
  const pack = image('pack.txt');
  const devices = PSEUDO_DEVICES.map((d) => {
    const mode = d.mode.toString(8).padStart(4, '0');
    if (d.kind === 'socket') return `sock /${d.path} ${mode} ${d.uid} ${d.gid}`;
    return `nod /${d.path} ${mode} ${d.uid} ${d.gid} ${d.kind === 'chardev' ? 'c' : 'b'} ${d.rdev?.major} ${d.rdev?.minor}`;
  });
  await writeFile(pack, ['glob / * * * -keeptime .', ...devices, ''].join('\n'));
  // The root comes from --defaults: give it the source root's attributes.
  const rootMtime = Math.floor(root.mtimeMs / 1000);
  const defaults = `uid=${root.uid},gid=${root.gid},mode=0${(root.mode & 0o7777).toString(8)},mtime=${rootMtime}`;
  const gen = image('gen-gzip.sqfs');
  const genZstd = image('gen-zstd.sqfs');
  await gensquashfs(source, gen, pack, ['-c', 'gzip', '-b', '4096', '-d', defaults]);
  await gensquashfs(source, genZstd, pack, ['-c', 'zstd', '-b', '131072', '-T', '-d', defaults]);

  const gensquashfsModel = withPseudo(sourceModel);
  for (const d of PSEUDO_DEVICES) {
    const entry = gensquashfsModel.get(d.path);
    // Pack-file entries carry no time of their own: they get the --defaults one.
    if (entry) entry.mtime = rootMtime;
  }
  // Ownership came from the tree: gensquashfs was given no pseudo `m` lines.
  for (const [path, entry] of gensquashfsModel) {
    const original = sourceModel.get(path);
    if (original) Object.assign(entry, { mode: original.mode, uid: original.uid, gid: original.gid });
  }

  return {
    dir,
    source,
    sourceModel,
    tcz: mk.gzip,
    mksquashfs: mk,
    mksquashfsModel: withPseudo(sourceModel),
    gensquashfs: gen,
    gensquashfsZstd: genZstd,
    gensquashfsModel,
    lzo,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
