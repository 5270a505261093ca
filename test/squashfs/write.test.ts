import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SquashfsError } from '../../src/errors.js';
import { SquashfsImage } from '../../src/squashfs/index.js';
import { type SquashfsInputEntry, writeSquashfs } from '../../src/squashfs/write.js';
import { mixedContent, pseudoRandom } from './helpers/bytes.js';
import { run } from './helpers/run.js';

const MTIME = 1_700_000_000;

let dir: string;
let entries: SquashfsInputEntry[];
/** Expected content of every file entry. */
const contents = new Map<string, Buffer>();

/** A tree that exercises the format: block and fragment edges, duplicates, a directory past 256 entries, odd names. */
async function makeEntries(): Promise<SquashfsInputEntry[]> {
  const src = join(dir, 'src');
  await mkdir(src);
  const list: SquashfsInputEntry[] = [{ kind: 'dir', path: '', mode: 0o755 }];
  let n = 0;
  const file = async (path: string, mode: number, content: Buffer) => {
    n += 1;
    const source = join(src, `f${n}`);
    await writeFile(source, content);
    contents.set(path, content);
    list.push({ kind: 'file', path, mode, source });
  };
  list.push({ kind: 'dir', path: 'usr', mode: 0o755 }, { kind: 'dir', path: 'usr/bin', mode: 0o755 });
  await file('usr/bin/empty', 0o644, Buffer.alloc(0));
  await file('usr/bin/one', 0o644, Buffer.from('x'));
  await file('usr/bin/block', 0o755, pseudoRandom(4096, 1));
  await file('usr/bin/block-1', 0o755, pseudoRandom(4095, 2));
  await file('usr/bin/block+1', 0o755, pseudoRandom(4097, 3));
  await file('usr/bin/big', 0o755, mixedContent(300 * 1024 + 5, 4));
  await file('usr/bin/big-copy', 0o755, mixedContent(300 * 1024 + 5, 4));
  await file('usr/bin/zeros', 0o644, Buffer.alloc(20_000));
  await file('usr/bin/su', 0o4755, pseudoRandom(900, 5));
  await file('usr/bin/sg', 0o2711, pseudoRandom(901, 6));
  list.push({ kind: 'symlink', path: 'usr/bin/sh', mode: 0o777, target: 'su' });
  list.push({ kind: 'symlink', path: 'usr/bin/abs', mode: 0o777, target: '/etc/alternatives/abs' });
  list.push({ kind: 'symlink', path: 'usr/bin/long', mode: 0o777, target: `${'d/'.repeat(600)}end` });
  list.push({ kind: 'dir', path: 'tmp', mode: 0o1777 }, { kind: 'dir', path: 'root', mode: 0o700 });
  list.push({ kind: 'dir', path: 'many', mode: 0o755 });
  for (let i = 0; i < 300; i += 1) await file(`many/n${String(i).padStart(3, '0')}`, 0o644, pseudoRandom(i * 7, i));
  list.push({ kind: 'dir', path: 'names', mode: 0o755 });
  for (const name of ['B', 'a', 'a b', 'a-b', 'a.b', 'a_b', 'é', 'z'.repeat(255)]) {
    await file(`names/${name}`, 0o644, Buffer.from(name));
  }
  list.push({ kind: 'dir', path: 'names/a0', mode: 0o755 }, { kind: 'dir', path: 'empty', mode: 0o555 });
  return list;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mkbundle-sqfs-write-'));
  entries = await makeEntries();
  await writeSquashfs(join(dir, 'image.sqfs'), entries, { mtime: MTIME });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const image = () => join(dir, 'image.sqfs');

function typeChar(kind: SquashfsInputEntry['kind']): string {
  return kind === 'dir' ? 'd' : kind === 'symlink' ? 'l' : '-';
}

/** `ls -l` permission string, as unsquashfs prints it. */
function permissions(kind: SquashfsInputEntry['kind'], mode: number): string {
  const bit = (mask: number, c: string) => (mode & mask ? c : '-');
  const exec = (x: number, special: number, set: string, unset: string) =>
    mode & special ? (mode & x ? set : unset) : bit(x, 'x');
  return [
    typeChar(kind),
    bit(0o400, 'r'),
    bit(0o200, 'w'),
    exec(0o100, 0o4000, 's', 'S'),
    bit(0o40, 'r'),
    bit(0o20, 'w'),
    exec(0o10, 0o2000, 's', 'S'),
    bit(0o4, 'r'),
    bit(0o2, 'w'),
    exec(0o1, 0o1000, 't', 'T'),
  ].join('');
}

describe('writeSquashfs, read back by unsquashfs', () => {
  it('has the Tiny Core format: gzip, 4 KiB blocks, one id, no xattrs, the given time', async () => {
    const out = await run('env', ['TZ=UTC', 'unsquashfs', '-s', image()]);
    expect(out).toContain('Found a valid SQUASHFS 4:0 superblock');
    expect(out).toMatch(/^Compression gzip$/m);
    expect(out).toMatch(/^Block size 4096$/m);
    expect(out).toMatch(/^Xattrs are not stored$/m);
    expect(out).toMatch(/^Number of ids 1$/m);
    expect(out).toMatch(new RegExp(`^Number of inodes ${entries.length}$`, 'm'));
    expect(out).toMatch(/^Creation or last append time Tue Nov 14 22:13:20 2023$/m);
    expect((await lstat(image())).size % 4096).toBe(0);
  });

  it('lists every entry with its mode, owner 0/0, size, time and symlink target', async () => {
    const out = await run('env', ['TZ=UTC', 'unsquashfs', '-lln', '-d', '', image()]);
    const lines = out.split('\n').filter((line) => /^[-dl]/.test(line));
    const listed = new Map(
      lines.map((line) => {
        const match = /^(\S{10}) (\d+)\/(\d+) +(\d+) (\S+ \S+) (.*?)(?: -> (.*))?$/.exec(line);
        if (!match) throw new Error(`unexpected unsquashfs line: ${line}`);
        const [, perms, uid, gid, size, time, path, target] = match;
        return [
          (path as string).replace(/^\//, ''),
          { perms, owner: `${uid}/${gid}`, size: Number(size), time, target },
        ];
      }),
    );
    expect([...listed.keys()].sort()).toEqual(entries.map((e) => e.path).sort());
    for (const entry of entries) {
      const got = listed.get(entry.path);
      expect(got?.perms, entry.path).toBe(permissions(entry.kind, entry.mode));
      expect(got?.owner, entry.path).toBe('0/0');
      expect(got?.time, entry.path).toBe('2023-11-14 22:13');
      if (entry.kind === 'file') expect(got?.size, entry.path).toBe(contents.get(entry.path)?.length);
      if (entry.kind === 'symlink') expect(got?.target, entry.path).toBe(entry.target);
    }
  });

  it('extracts to the same contents, modes and symlinks', async () => {
    const out = join(dir, 'unsquashed');
    await run('unsquashfs', ['-q', '-n', '-d', out, image()]);
    for (const entry of entries) {
      const path = join(out, entry.path);
      const st = await lstat(path);
      expect(st.mode & 0o7777, entry.path).toBe(entry.mode);
      expect(st.mtimeMs / 1000, entry.path).toBe(MTIME);
      if (entry.kind === 'file') expect((await readFile(path)).equals(contents.get(entry.path) as Buffer)).toBe(true);
      if (entry.kind === 'symlink') expect(await readlink(path)).toBe(entry.target);
      if (entry.kind === 'dir') expect(st.isDirectory()).toBe(true);
    }
  });

  it('passes sqfsdiff against the same tree packed by gensquashfs', async () => {
    const tree = join(dir, 'unsquashed');
    const gen = join(dir, 'gen.sqfs');
    await run('gensquashfs', ['-q', '-f', '-D', tree, '-k', '-d', `mode=0755,mtime=${MTIME}`, '-c', 'gzip', gen]);
    // Owners are left out: unsquashfs sets them only when run as root.
    await run('sqfsdiff', ['-O', '-T', '-a', image(), '-b', gen]).catch((error: Error) => {
      throw new Error(`sqfsdiff found differences: ${error.message}`);
    });
  });
});

describe('writeSquashfs, read back by our reader', () => {
  it('lists and reads what was written', async () => {
    const opened = await SquashfsImage.open(image());
    try {
      expect(opened.superblock).toMatchObject({
        compressor: 'gzip',
        blockSize: 4096,
        mtime: MTIME,
        inodeCount: entries.length,
      });
      const listed = await opened.list();
      expect(listed.map((e) => e.path)).toEqual(entries.map((e) => e.path).sort((a, b) => (a < b ? -1 : 1)));
      for (const got of listed) {
        const entry = entries.find((e) => e.path === got.path) as SquashfsInputEntry;
        expect(got).toMatchObject({ kind: entry.kind, mode: entry.mode, uid: 0, gid: 0, mtime: MTIME });
        if (entry.kind === 'symlink') expect(got.target).toBe(entry.target);
        if (entry.kind === 'file')
          expect((await opened.readFile(got.path)).equals(contents.get(got.path) as Buffer)).toBe(true);
      }
      // Directory link counts: 2 plus one per subdirectory.
      expect(listed.find((e) => e.path === 'names')?.nlink).toBe(3);
    } finally {
      await opened.close();
    }
  });
});

describe('writeSquashfs determinism', () => {
  it('writes the same bytes again, whatever the order of the entries', async () => {
    const again = join(dir, 'again.sqfs');
    await writeSquashfs(again, [...entries].reverse(), { mtime: MTIME });
    expect((await readFile(again)).equals(await readFile(image()))).toBe(true);
  });

  it('replaces an existing file at the output path', async () => {
    const out = join(dir, 'replaced.sqfs');
    await writeFile(out, 'old');
    await writeSquashfs(out, entries, { mtime: MTIME });
    expect((await readFile(out)).equals(await readFile(image()))).toBe(true);
  });

  it('makes an implicit 0755 root when none is listed', async () => {
    const out = join(dir, 'rootless.sqfs');
    await writeSquashfs(out, [{ kind: 'dir', path: 'etc', mode: 0o755 }], { mtime: 0 });
    const opened = await SquashfsImage.open(out);
    try {
      expect(await opened.stat('')).toMatchObject({ kind: 'dir', mode: 0o755, mtime: 0 });
    } finally {
      await opened.close();
    }
  });
});

describe('writeSquashfs errors', () => {
  const source = () => join(dir, 'src', 'f1');
  const cases: [string, SquashfsInputEntry[], string][] = [
    [
      'a path listed twice',
      [
        { kind: 'dir', path: 'a', mode: 0o755 },
        { kind: 'dir', path: 'a', mode: 0o700 },
      ],
      "'a': listed twice",
    ],
    ['a missing parent', [{ kind: 'dir', path: 'a/b', mode: 0o755 }], "'a/b': parent directory 'a' is not listed"],
    [
      'a file as a parent',
      [
        { kind: 'symlink', path: 'a', mode: 0o777, target: 'x' },
        { kind: 'dir', path: 'a/b', mode: 0o755 },
      ],
      "'a/b': parent 'a' is not a directory",
    ],
    ['a climbing path', [{ kind: 'dir', path: '../a', mode: 0o755 }], "'../a': not a normalised relative path"],
    ['an absolute path', [{ kind: 'dir', path: '/a', mode: 0o755 }], "'/a': not a normalised relative path"],
    ['an empty segment', [{ kind: 'dir', path: 'a//b', mode: 0o755 }], "'a//b': not a normalised relative path"],
    ['a NUL', [{ kind: 'dir', path: 'a\0b', mode: 0o755 }], "'a\\u{0}b': name contains NUL"],
    ['a long name', [{ kind: 'dir', path: 'x'.repeat(256), mode: 0o755 }], 'name longer than 255 bytes'],
    ['a bad mode', [{ kind: 'dir', path: 'a', mode: 0o10000 }], "'a': mode has bits beyond 07777"],
    ['an empty symlink', [{ kind: 'symlink', path: 'a', mode: 0o777, target: '' }], "'a': empty symlink target"],
    ['a file root', [{ kind: 'symlink', path: '', mode: 0o777, target: 'x' }], "'/': the root must be a directory"],
    [
      'a missing source',
      [{ kind: 'file', path: 'a', mode: 0o644, source: '/nonexistent/mkbundle' }],
      "'a': cannot open source '/nonexistent/mkbundle' (No such file or directory)",
    ],
    [
      'a directory as source',
      [{ kind: 'file', path: 'a', mode: 0o644, source: '/' }],
      "'a': source '/' is not a regular file",
    ],
  ];

  it.each(cases)('refuses %s with a one-line SquashfsError naming the entry', async (_name, list, message) => {
    const out = join(dir, 'bad.sqfs');
    const error = await writeSquashfs(out, list, { mtime: MTIME }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SquashfsError);
    expect((error as Error).message).toContain(`${out}: `);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain('\n');
    expect((await readdir(dir)).filter((f) => f.startsWith('bad.sqfs'))).toEqual([]);
  });

  it('refuses an mtime outside 0..2^32-1', async () => {
    const list: SquashfsInputEntry[] = [{ kind: 'file', path: 'a', mode: 0o644, source: source() }];
    await expect(writeSquashfs(join(dir, 'bad.sqfs'), list, { mtime: -1 })).rejects.toThrow(/mtime -1/);
    await expect(writeSquashfs(join(dir, 'bad.sqfs'), list, { mtime: 1.5 })).rejects.toBeInstanceOf(SquashfsError);
  });

  it('reports a directory that cannot be written to', async () => {
    const out = join(dir, 'missing-dir', 'x.sqfs');
    await expect(writeSquashfs(out, [], { mtime: 0 })).rejects.toThrow(
      `${out}: cannot create the image (No such file or directory)`,
    );
  });
});
