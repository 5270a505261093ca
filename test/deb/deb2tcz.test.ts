import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DROPPED_DIRS, debToTcz, startScriptText, tczEntries } from '../../src/deb/deb2tcz.js';
import { ArchiveError, InputError } from '../../src/errors.js';
import { SquashfsImage } from '../../src/squashfs/index.js';
import { formatMd5Txt, parseMd5Txt } from '../../src/tce/md5.js';
import { run } from '../squashfs/helpers/run.js';
import { fetchDeb, type UnpackedDeb } from '../world/bootable/debs.js';
import { DEFAULT_CACHE_DIR } from '../world/bootable/paths.js';
import { arArchive, debPackage, type RawTarEntry, rawTar } from './helpers.js';

const MTIME = 1_704_067_200;

let dir: string;
let lshw: UnpackedDeb;
let debianutils: UnpackedDeb;
/** lshw rebuilt by dpkg-deb with other data.tar compressions. */
const repacked: Record<'zstd' | 'gzip' | 'none', string> = { zstd: '', gzip: '', none: '' };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mkbundle-deb2tcz-'));
  lshw = await fetchDeb('lshw', DEFAULT_CACHE_DIR);
  debianutils = await fetchDeb('debianutils', DEFAULT_CACHE_DIR);
  const raw = join(dir, 'lshw-raw');
  await run('dpkg-deb', ['-R', lshw.deb, raw]);
  for (const format of ['zstd', 'gzip', 'none'] as const) {
    repacked[format] = join(dir, `lshw-${format}.deb`);
    await run('dpkg-deb', ['--root-owner-group', `-Z${format}`, '-b', raw, repacked[format]]);
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Node {
  kind: 'dir' | 'file' | 'symlink';
  mode: number;
  sha256?: string;
  target?: string;
}

/** Every entry below `root` (not `root` itself), by relative path. */
async function treeOf(root: string, prefix = ''): Promise<Map<string, Node>> {
  const out = new Map<string, Node>();
  for (const name of (await readdir(join(root, prefix))).sort()) {
    const path = prefix === '' ? name : `${prefix}/${name}`;
    const full = join(root, path);
    const st = await lstat(full);
    const mode = st.mode & 0o7777;
    if (st.isDirectory()) {
      out.set(path, { kind: 'dir', mode });
      for (const [p, n] of await treeOf(root, path)) out.set(p, n);
    } else if (st.isSymbolicLink()) {
      out.set(path, { kind: 'symlink', mode: 0o777, target: await readlink(full) });
    } else {
      out.set(path, {
        kind: 'file',
        mode,
        sha256: createHash('sha256')
          .update(await readFile(full))
          .digest('hex'),
      });
    }
  }
  return out;
}

/** What the `.tcz` of an unpacked package should hold: no documentation, no directories left empty. */
function expectedTree(tree: Map<string, Node>): Map<string, Node> {
  const kept = [...tree].filter(([path]) => !DROPPED_DIRS.some((d) => path === d || path.startsWith(`${d}/`)));
  const nonDirs = kept.filter(([, node]) => node.kind !== 'dir').map(([path]) => path);
  return new Map(kept.filter(([path, node]) => node.kind !== 'dir' || nonDirs.some((p) => p.startsWith(`${path}/`))));
}

/** The tree unsquashfs extracts from a `.tcz` (into `TCZ.d`). */
async function unsquash(tcz: string): Promise<Map<string, Node>> {
  await rm(`${tcz}.d`, { recursive: true, force: true });
  await run('unsquashfs', ['-q', '-n', '-d', `${tcz}.d`, tcz]);
  return treeOf(`${tcz}.d`);
}

async function md5sum(path: string): Promise<string> {
  return (await run('md5sum', [path])).split(' ')[0] as string;
}

const convert = (deb: string, out: string, name = 'lshw') =>
  debToTcz(deb, join(dir, out), { name, mtime: MTIME, scratch: dir });

describe('debToTcz with real Debian packages', () => {
  it("makes lshw's .tcz from its data.tar.xz: the package's files without the dropped directories", async () => {
    expect((await run('ar', ['t', lshw.deb])).split('\n')).toContain('data.tar.xz');
    const result = await convert(lshw.deb, 'lshw.tcz');
    const tcz = join(dir, 'lshw.tcz');
    expect(result).toEqual({ size: (await stat(tcz)).size, md5: await md5sum(tcz) });

    const got = await unsquash(tcz);
    expect(got).toEqual(expectedTree(await treeOf(lshw.root)));
    expect(got.get('usr/bin/lshw')).toMatchObject({ kind: 'file', mode: 0o755 });
    expect(got.has('usr/share/locale/fr/LC_MESSAGES/lshw.mo')).toBe(true);
    for (const gone of ['usr/share/doc', 'usr/share/man']) expect(got.has(gone)).toBe(false);
    // The listing dpkg-deb itself gives, minus what is dropped.
    const listed = (await run('dpkg-deb', ['-c', lshw.deb]))
      .split('\n')
      .filter((line) => /^-/.test(line))
      .map((line) => (line.split(' ').pop() as string).replace(/^\.\//, ''));
    const files = [...got].filter(([, node]) => node.kind === 'file').map(([path]) => path);
    expect(files.sort()).toEqual(listed.filter((p) => !DROPPED_DIRS.some((d) => p.startsWith(`${d}/`))).sort());
  });

  it('owns everything by 0:0 at the given time, in gzip with 4 KiB blocks', async () => {
    const tcz = join(dir, 'lshw.tcz');
    const listing = await run('env', ['TZ=UTC', 'unsquashfs', '-lln', tcz]);
    const lines = listing.split('\n').filter((line) => /^[-dl]/.test(line));
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) expect(line).toMatch(/^\S{10} 0\/0 +\d+ 2024-01-01 00:00 /);
    const image = await SquashfsImage.open(tcz);
    try {
      expect(image.superblock).toMatchObject({ compressor: 'gzip', blockSize: 4096, mtime: MTIME });
    } finally {
      await image.close();
    }
  });

  it('gives the same bytes for the same package again, and for its zstd, gzip and plain rebuilds', async () => {
    const { md5 } = await convert(lshw.deb, 'lshw-again.tcz');
    expect(md5).toBe(await md5sum(join(dir, 'lshw.tcz')));
    for (const [format, deb] of Object.entries(repacked)) {
      const member = { zstd: 'data.tar.zst', gzip: 'data.tar.gz', none: 'data.tar' }[format];
      expect((await run('ar', ['t', deb])).split('\n')).toContain(member);
      expect((await convert(deb, `lshw-${format}.tcz`)).md5, format).toBe(md5);
    }
  });

  it("carries debianutils' postinst and a start-up script that runs it with 'configure'", async () => {
    const control = join(dir, 'debianutils-control');
    await run('dpkg-deb', ['-e', debianutils.deb, control]);
    await convert(debianutils.deb, 'debianutils.tcz', 'debianutils');
    const got = await unsquash(join(dir, 'debianutils.tcz'));
    const postinst = await readFile(join(control, 'postinst'));
    const sha = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
    expect(got.get('usr/local/postinst/debianutils')).toEqual({ kind: 'file', mode: 0o755, sha256: sha(postinst) });
    expect(got.get('usr/local/tce.installed')).toEqual({ kind: 'dir', mode: 0o775 });
    const script = startScriptText('debianutils');
    expect(script).toBe('#!/bin/sh\n/usr/local/postinst/debianutils configure 2>/dev/null\n');
    expect(got.get('usr/local/tce.installed/debianutils')).toEqual({ kind: 'file', mode: 0o755, sha256: sha(script) });
    await run('sh', ['-n', join(dir, 'debianutils.tcz.d', 'usr/local/tce.installed/debianutils')]);
    const rest = new Map([...got].filter(([path]) => path !== 'usr/local' && !path.startsWith('usr/local/')));
    expect(rest).toEqual(expectedTree(await treeOf(debianutils.root)));
  });

  it('writes a NAME.tcz.md5.txt that md5sum -c accepts', async () => {
    await mkdir(join(dir, 'checked'));
    const { md5 } = await convert(lshw.deb, 'checked/lshw.tcz');
    const text = formatMd5Txt('lshw.tcz', md5);
    expect(text).toBe(`${md5}  lshw.tcz\n`);
    await writeFile(join(dir, 'checked', 'lshw.tcz.md5.txt'), text);
    await run('sh', ['-c', 'cd "$0" && md5sum -c --status lshw.tcz.md5.txt', join(dir, 'checked')]);
    expect(parseMd5Txt(text, 'lshw.tcz', 'lshw.tcz.md5.txt')).toBe(md5);
  });
});

describe('debToTcz refuses hostile and broken packages', () => {
  const dirEntry = (name: string): RawTarEntry => ({ name, type: '5' });
  const file = (name: string, text = 'x'): RawTarEntry => ({ name, type: '0', data: Buffer.from(text) });
  const dataOf = (entries: RawTarEntry[]) => debPackage({ data: rawTar([dirEntry('./'), ...entries]) });
  const ctl = rawTar([file('./control', 'Package: x\n')]);

  const cases: [string, () => Promise<Buffer> | Buffer, string][] = [
    [
      'a member climbing out',
      () => dataOf([file('./../../etc/evil')]),
      "data.tar: './../../etc/evil': entry escapes the destination",
    ],
    [
      'an absolute member',
      () => dataOf([file('/etc/passwd')]),
      "data.tar: '/etc/passwd': entry escapes the destination",
    ],
    [
      'a member written through a symlink',
      () => dataOf([dirEntry('./usr/'), { name: './usr/lib', type: '2', linkname: '/etc' }, file('./usr/lib/passwd')]),
      "data.tar: 'usr/lib/passwd': written through symlink 'usr/lib' -> '/etc'",
    ],
    [
      'a symlink climbing out',
      () => dataOf([dirEntry('./usr/'), { name: './usr/x', type: '2', linkname: '../../etc/shadow' }]),
      "data.tar: 'usr/x': symlink target '../../etc/shadow' climbs out of the package",
    ],
    [
      'a device node',
      () => dataOf([dirEntry('./dev/'), { name: './dev/null', type: '3' }]),
      "data.tar: 'dev/null': chardev entries are not allowed",
    ],
    [
      'a hard link to nothing',
      () => dataOf([{ name: './a', type: '1', linkname: './b' }]),
      "hard link target 'b' is not a file of the archive",
    ],
    ['a path twice', () => dataOf([file('./a'), file('./a')]), "data.tar: 'a': appears twice in the package"],
    ['a truncated package', async () => (await readFile(lshw.deb)).subarray(0, 150_000), "'data.tar.xz': "],
    [
      'a package cut inside a member header',
      async () => {
        const whole = await readFile(lshw.deb);
        return whole.subarray(0, whole.indexOf('data.tar.xz') + 20);
      },
      'truncated member header at byte',
    ],
    ['a corrupt data.tar.xz', async () => corruptXz(), 'data.tar.xz: corrupt xz data'],
    [
      'a traversal inside data.tar.xz',
      async () => xzData([file('./../evil')]),
      "data.tar.xz: './../evil': entry escapes the destination",
    ],
    [
      'an ar archive that is no package',
      () => arArchive([{ header: 'hello.txt', data: Buffer.from('hi') }]),
      "not a Debian package (first member is 'hello.txt')",
    ],
    ['a format 3.0 package', () => debPackage({ version: '3.0\n' }), "debian-binary: unsupported package format '3.0'"],
    [
      'a package without data',
      () =>
        arArchive([
          { header: 'debian-binary', data: Buffer.from('2.0\n') },
          { header: 'control.tar', data: ctl },
        ]),
      'no data.tar member',
    ],
    [
      'a bzip2 data member',
      () =>
        arArchive([
          { header: 'debian-binary', data: Buffer.from('2.0\n') },
          { header: 'control.tar', data: ctl },
          { header: 'data.tar.bz2', data: Buffer.from('BZh9') },
        ]),
      "'data.tar.bz2': unexpected member (wanted data.tar)",
    ],
    [
      'a postinst that is a symlink',
      () =>
        debPackage({ control: rawTar([file('./control'), { name: './postinst', type: '2', linkname: '/bin/sh' }]) }),
      "control.tar: 'postinst': is a symlink, not a regular file",
    ],
    [
      'a postinst where usr/local is a symlink',
      () =>
        debPackage({
          control: rawTar([file('./control'), { ...file('./postinst', '#!/bin/sh\n'), mode: 0o755 }]),
          data: rawTar([dirEntry('./'), dirEntry('./usr/'), { name: './usr/local', type: '2', linkname: '/opt' }]),
        }),
      "'usr/local' is a symlink, but must be a directory",
    ],
  ];

  async function xzData(entries: RawTarEntry[]): Promise<Buffer> {
    const tar = join(dir, 'hostile-data.tar');
    await writeFile(tar, rawTar([dirEntry('./'), ...entries]));
    await run('xz', ['-f', '-k', tar]);
    return arArchive([
      { header: 'debian-binary', data: Buffer.from('2.0\n') },
      { header: 'control.tar', data: ctl },
      { header: 'data.tar.xz', data: await readFile(`${tar}.xz`) },
    ]);
  }

  async function corruptXz(): Promise<Buffer> {
    const deb = await xzData([file('./a', 'some content '.repeat(1000))]);
    const at = deb.indexOf('data.tar.xz') + 60 + 100;
    deb[at] = (deb[at] as number) ^ 0xff;
    return deb;
  }

  it.each(cases)(
    '%s: one-line ArchiveError naming the package and member, nothing left behind',
    async (_name, make, message) => {
      const deb = join(dir, 'hostile.deb');
      await writeFile(deb, await make());
      const scratch = join(dir, 'hostile-scratch');
      await mkdir(scratch, { recursive: true });
      const out = join(dir, 'hostile.tcz');
      const error = await debToTcz(deb, out, { name: 'x', mtime: MTIME, scratch }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ArchiveError);
      expect((error as Error).message.startsWith(`${deb}: `)).toBe(true);
      expect((error as Error).message).toContain(message);
      expect((error as Error).message).not.toContain('\n');
      await expect(stat(out)).rejects.toThrow(/ENOENT/);
      expect(await readdir(scratch)).toEqual([]);
    },
  );

  it('refuses a bad extension name before reading anything', async () => {
    await expect(debToTcz(lshw.deb, join(dir, 'x.tcz'), { name: '../x', mtime: MTIME, scratch: dir })).rejects.toThrow(
      InputError,
    );
    await expect(debToTcz(lshw.deb, join(dir, 'x.tcz'), { name: 'a b', mtime: MTIME, scratch: dir })).rejects.toThrow(
      "extension name 'a b': contains whitespace",
    );
  });
});

describe('tczEntries', () => {
  it('drops documentation, prunes emptied directories, adds missing parents', () => {
    const entries = tczEntries(
      'p.deb',
      [
        { kind: 'dir', path: '', mode: 0o755 },
        { kind: 'dir', path: 'usr', mode: 0o755 },
        { kind: 'dir', path: 'usr/share', mode: 0o755 },
        { kind: 'dir', path: 'usr/share/doc', mode: 0o755 },
        { kind: 'file', path: 'usr/share/doc/copyright', mode: 0o644, source: '/s/1' },
        { kind: 'symlink', path: 'usr/share/man', mode: 0o777, target: 'elsewhere' },
        { kind: 'dir', path: 'var', mode: 0o755 },
        { kind: 'dir', path: 'var/lib', mode: 0o755 },
        { kind: 'dir', path: 'var/lib/empty', mode: 0o755 },
        { kind: 'file', path: 'etc/x/conf', mode: 0o600, source: '/s/2' },
      ],
      'x',
    );
    expect(entries.map((e) => e.path).sort()).toEqual(['', 'etc', 'etc/x', 'etc/x/conf']);
    expect(entries.find((e) => e.path === 'etc/x')).toEqual({ kind: 'dir', path: 'etc/x', mode: 0o755 });
  });

  it('refuses a package that already has the postinst copy', () => {
    expect(() =>
      tczEntries('p.deb', [{ kind: 'file', path: 'usr/local/postinst/x', mode: 0o644, source: '/s/1' }], 'x', {
        postinst: '/s/p',
        mode: 0o755,
        startScript: '/s/t',
      }),
    ).toThrow("p.deb: the package already has 'usr/local/postinst/x'");
  });
});
