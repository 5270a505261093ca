import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCpio } from '../../src/archive/cpio-read.js';
import { cpioStream, writeCpio } from '../../src/archive/cpio-write.js';
import type { ArchiveEntry } from '../../src/archive/entry.js';
import { ArchiveError } from '../../src/errors.js';
import { collect, dir, file, hardlink, isRoot, rawCpio, sh, streamOf, symlink, useTempDirs } from './helpers.js';

const tempDir = useTempDirs();

/** A tree with everything core.gz has: devices, setuid, hard links, absolute symlinks. */
async function gnuTree(root: string): Promise<void> {
  await sh(
    [
      'mkdir -p t/bin t/dev t/usr/bin t/lib/modules/6.6.8-tinycore t/tmp',
      'cd t',
      'printf "#!/bin/sh\\n" > bin/busybox && chmod 755 bin/busybox',
      'printf x > bin/busybox.suid && chmod 4755 bin/busybox.suid',
      'printf y > usr/bin/sgid && chmod 2711 usr/bin/sgid',
      'chmod 1777 tmp',
      'ln -s /bin/busybox bin/sh',
      'ln -s /usr/local/lib/modules/6.6.8-tinycore/kernel lib/modules/6.6.8-tinycore/kernel.tclocal',
      'head -c 200001 /dev/urandom > usr/bin/big',
      'ln usr/bin/big usr/bin/big2 && ln usr/bin/big bin/big3',
      'touch e1 && ln e1 e2',
      'printf abc > odd && printf abcd > four && printf abcde > five',
      'mknod dev/console c 5 1 && mknod dev/loop0 b 7 0 && mknod dev/ram0 b 1 0 && mkfifo dev/initctl',
      'chown 1000:50 five',
      'touch -d @1000000000 odd',
      'find . | cpio -o -H newc > ../gnu.cpio 2>/dev/null',
    ].join(' && '),
    root,
  );
}

const listing = (archive: string, cwd: string) => sh(`cpio -itv --quiet < ${archive}`, cwd);

describe('readCpio on GNU cpio output', () => {
  it.skipIf(!isRoot)('yields devices, modes, owners and hard links before their data', async () => {
    const root = await tempDir();
    await gnuTree(root);
    const entries = await collect(readCpio(join(root, 'gnu.cpio'), { allowDevices: true }));
    const byPath = new Map(entries.map((e) => [e.path, e]));
    expect(entries[0]).toMatchObject({ path: '.', kind: 'dir' });
    expect(entries.some((e) => e.path.startsWith('./') || e.path.startsWith('/'))).toBe(false);
    expect(byPath.get('bin/busybox.suid')).toMatchObject({ kind: 'file', mode: 0o4755 });
    expect(byPath.get('usr/bin/sgid')).toMatchObject({ kind: 'file', mode: 0o2711 });
    expect(byPath.get('tmp')).toMatchObject({ kind: 'dir', mode: 0o1777 });
    expect(byPath.get('bin/sh')).toMatchObject({ kind: 'symlink', target: '/bin/busybox' });
    expect(byPath.get('dev/console')).toMatchObject({ kind: 'chardev', major: 5, minor: 1 });
    expect(byPath.get('dev/loop0')).toMatchObject({ kind: 'blockdev', major: 7, minor: 0 });
    expect(byPath.get('dev/initctl')).toMatchObject({ kind: 'fifo' });
    expect(byPath.get('five')).toMatchObject({ uid: 1000, gid: 50, content: Buffer.from('abcde') });
    expect(byPath.get('odd')).toMatchObject({ mtime: 1_000_000_000, content: Buffer.from('abc') });

    const big = await readFile(join(root, 't/usr/bin/big'));
    const group = entries.filter((e) => ['usr/bin/big', 'usr/bin/big2', 'bin/big3'].includes(e.path));
    const carrier = group.find((e) => e.kind === 'file');
    expect(carrier?.content).toEqual(big);
    expect(group.every((e) => e.nlink === 3)).toBe(true);
    // GNU cpio writes the data on the last name: the others come first, pointing forward.
    expect(group.map((e) => e.kind)).toEqual(['hardlink', 'hardlink', 'file']);
    for (const link of group.slice(0, 2)) expect(link).toMatchObject({ target: carrier?.path });

    const empty = entries.filter((e) => e.path === 'e1' || e.path === 'e2');
    expect(empty.map((e) => e.kind).sort()).toEqual(['file', 'hardlink']);
  });

  it('refuses device nodes unless asked', async () => {
    const archive = rawCpio([{ name: 'dev/console', mode: 0o20600, rdev: [5, 1] }]);
    await expect(collect(readCpio(streamOf(archive), { name: 'core.gz' }))).rejects.toThrow(
      "core.gz: 'dev/console': chardev entries are not allowed",
    );
    const [entry] = await collect(readCpio(streamOf(archive), { allowDevices: true }));
    expect(entry).toMatchObject({ kind: 'chardev', major: 5, minor: 1, mode: 0o600 });
  });
});

describe('cpio round trip through GNU cpio', () => {
  it.skipIf(!isRoot)('reader → writer lists identically, and unpacks with contents and hard links', async () => {
    const root = await tempDir();
    await gnuTree(root);
    await sh('gzip -9n < gnu.cpio > gnu.cpio.gz', root);
    const out = join(root, 'ours.cpio');
    await writeCpio(out, readCpio(join(root, 'gnu.cpio.gz'), { allowDevices: true }));

    expect(await listing('ours.cpio', root)).toBe(await listing('gnu.cpio', root));
    expect((await stat(out)).size % 512).toBe(0);
    // busybox lists a hard-link group once, by the name that carries the data.
    expect(await sh('busybox cpio -tv < ours.cpio', root)).toBe(await sh('busybox cpio -tv < gnu.cpio', root));

    await sh(
      'mkdir gnu-x ours-x && cd gnu-x && cpio -idm --quiet < ../gnu.cpio && cd ../ours-x && cpio -idm --quiet < ../ours.cpio',
      root,
    );
    const tree = (d: string) =>
      sh(
        // cpio -m sets mtimes of files only (directories change as they fill up)
        `cd ${d} && find . -printf '%p %M %U:%G %n %s %l\\n' | sort && find . -type f -printf '%p %T@\\n' | sort && md5sum usr/bin/big bin/big3 five`,
        root,
      );
    expect(await tree('ours-x')).toBe(await tree('gnu-x'));
    const inodes = await sh(
      'stat -c %i ours-x/usr/bin/big ours-x/usr/bin/big2 ours-x/bin/big3 | sort -u | wc -l',
      root,
    );
    expect(inodes.trim()).toBe('1');
  });

  it.skipIf(!isRoot)('busybox cpio unpacks hard links and devices from our output', async () => {
    const root = await tempDir();
    await gnuTree(root);
    await writeCpio(join(root, 'ours.cpio'), readCpio(join(root, 'gnu.cpio'), { allowDevices: true }));
    await sh('mkdir bb && cd bb && busybox cpio -idm < ../ours.cpio 2>/dev/null', root);
    expect((await sh('stat -c %i bb/usr/bin/big bb/bin/big3 | sort -u | wc -l', root)).trim()).toBe('1');
    expect((await sh('stat -c "%F %t:%T %a" bb/dev/console bb/bin/busybox.suid', root)).trim()).toBe(
      'character special file 5:1 644\nregular file 0:0 4755',
    );
  });
});

describe('writeCpio', () => {
  const base = [
    dir('bin'),
    file('bin/busybox', 'BUSYBOX', { mode: 0o755 }),
    file('bin/busybox.suid', 'SUID', { mode: 0o4755 }),
    symlink('bin/sh', '/bin/busybox'),
    { path: 'dev', kind: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: 1_600_000_000 } as ArchiveEntry,
    { path: 'dev/console', kind: 'chardev', major: 5, minor: 1, mode: 0o600, uid: 0, gid: 0, mtime: 1 } as ArchiveEntry,
    { path: 'dev/loop0', kind: 'blockdev', major: 7, minor: 0, mode: 0o660, uid: 0, gid: 6, mtime: 1 } as ArchiveEntry,
    file('etc/motd', 'hello\n', { uid: 1001, gid: 50 }),
    hardlink('etc/motd2', 'etc/motd'),
    hardlink('etc/motd3', 'etc/motd', { mode: 0o600 }),
  ];

  it('is listed by GNU cpio as given, with link counts, and unpacks hard links (file before links)', async () => {
    const root = await tempDir();
    await writeCpio(join(root, 'a.cpio'), base);
    const lines = (await listing('a.cpio', root)).trim().split('\n');
    expect(lines.map((l) => l.split(/\s+/).slice(0, 5).join(' '))).toEqual([
      'drwxr-xr-x 2 root root 0',
      '-rwxr-xr-x 1 root root 7',
      '-rwsr-xr-x 1 root root 4',
      'lrwxrwxrwx 1 root root 12',
      'drwxr-xr-x 2 root root 0',
      'crw------- 1 root root 5,',
      'brw-rw---- 1 root disk 7,',
      '-rw-r--r-- 3 1001 staff 6',
      '-rw-r--r-- 3 1001 staff 0',
      '-rw-r--r-- 3 1001 staff 0',
    ]);
    expect(lines.map((l) => l.split(/\s+/).slice(-1)[0])).toEqual([
      'bin',
      'bin/busybox',
      'bin/busybox.suid',
      '/bin/busybox',
      'dev',
      'dev/console',
      'dev/loop0',
      'etc/motd',
      'etc/motd2',
      'etc/motd3',
    ]);
    for (const tool of ['cpio -idm --quiet', 'busybox cpio -idm']) {
      const out = await tempDir();
      if (isRoot) {
        await sh(`${tool} < ${join(root, 'a.cpio')}`, out);
        expect(await sh('stat -c "%i %h %s" etc/motd etc/motd2 etc/motd3 | cut -d" " -f2- | sort -u', out)).toBe(
          '3 6\n',
        );
        expect(await sh('cat etc/motd3', out)).toBe('hello\n');
      }
    }
  });

  it('reads back what it wrote, file first and the later names as hard links', async () => {
    const entries = await collect(readCpio(cpioStream(base), { allowDevices: true }));
    expect(entries.map((e) => [e.path, e.kind, e.nlink])).toEqual([
      ['bin', 'dir', 2],
      ['bin/busybox', 'file', 1],
      ['bin/busybox.suid', 'file', 1],
      ['bin/sh', 'symlink', 1],
      ['dev', 'dir', 2],
      ['dev/console', 'chardev', 1],
      ['dev/loop0', 'blockdev', 1],
      ['etc/motd', 'file', 3],
      ['etc/motd2', 'hardlink', 3],
      ['etc/motd3', 'hardlink', 3],
    ]);
    expect(entries[9]).toMatchObject({ target: 'etc/motd' });
    expect(entries[1]).toMatchObject({ content: Buffer.from('BUSYBOX'), mode: 0o755 });
  });

  it('writes hard links given before their file like GNU cpio: empty names first, data last', async () => {
    const entries = [hardlink('a', 'c'), hardlink('b', 'c'), file('c', 'data')];
    const root = await tempDir();
    await writeCpio(
      join(root, 'x.cpio'),
      (async function* () {
        yield* entries;
      })(),
    );
    const lines = (await listing('x.cpio', root)).trim().split('\n');
    expect(
      lines.map((l) => {
        const f = l.split(/\s+/);
        return `${f[1]} ${f[4]} ${f[8]}`;
      }),
    ).toEqual(['3 0 a', '3 0 b', '3 4 c']);
  });

  it('streams hard links after their file when the file carries its nlink', async () => {
    const stream = (async function* () {
      yield file('a', 'x', { nlink: 2 });
      yield hardlink('b', 'a');
    })();
    const entries = await collect(readCpio(cpioStream(stream)));
    expect(entries.map((e) => [e.path, e.kind, e.nlink])).toEqual([
      ['a', 'file', 2],
      ['b', 'hardlink', 2],
    ]);
  });

  it('refuses a streamed hard link to a file written with nlink 1', async () => {
    const stream = (async function* () {
      yield file('a', 'x');
      yield hardlink('b', 'a');
    })();
    await expect(collect(readCpio(cpioStream(stream, { name: 'core.gz' })))).rejects.toThrow(
      /core\.gz: 'b': hard link to 'a', whose header was written with nlink 1/,
    );
  });

  it.each([
    [[hardlink('b', 'missing')], "'b': hard link target 'missing' is not in the archive"],
    [[dir('d'), hardlink('b', 'd')], "'b': hard link target 'd' is not a file"],
    [[file('a', 'x'), file('a', 'y')], "'a': duplicate path"],
    [[file('./a', 'x')], "'./a': path is not normalised"],
    [[file('/etc/passwd', 'x')], "'/etc/passwd': entry escapes the destination"],
    [[file('../x', 'x')], "'../x': entry escapes the destination"],
    [[{ ...file('a', 'x'), size: 2 } as ArchiveEntry], "'a': data size changed: expected 2 bytes, got 1"],
    [[file('.', 'x')], "'.': root is not a directory"],
  ])('refuses bad input %#', async (entries, message) => {
    const root = await tempDir();
    const dest = join(root, 'x.cpio');
    await expect(writeCpio(dest, entries)).rejects.toThrow(message);
    await expect(stat(dest)).rejects.toThrow('ENOENT');
    expect(await sh('ls -A', root)).toBe('');
  });

  it('clamps mtimes to SOURCE_DATE_EPOCH', async () => {
    const entries = [file('old', 'x', { mtime: 100 }), file('new', 'y', { mtime: 2_000_000_000 })];
    const read = await collect(readCpio(cpioStream(entries, { sourceDateEpoch: 1_500_000_000 })));
    expect(read.map((e) => e.mtime)).toEqual([100, 1_500_000_000]);
  });

  it('is deterministic: same entries, same bytes; inode numbers in order', async () => {
    const root = await tempDir();
    await writeCpio(join(root, 'a.cpio.gz'), base, { gzipLevel: 9 });
    await writeCpio(join(root, 'b.cpio.gz'), base, { gzipLevel: 9 });
    const a = await readFile(join(root, 'a.cpio.gz'));
    expect(a.equals(await readFile(join(root, 'b.cpio.gz')))).toBe(true);
    expect(a.subarray(0, 10).toString('hex')).toBe('1f8b0800000000000203');
    const plain = await sh('gunzip < a.cpio.gz | od -An -c | head -c 0; gunzip < a.cpio.gz | head -c 14', root);
    expect(plain).toBe('07070100000001');
  });

  it('keeps the root entry as `.`', async () => {
    const root = await tempDir();
    await writeCpio(join(root, 'r.cpio'), [dir('.', { mode: 0o755 }), file('a', 'x')]);
    expect(await sh('cpio -it --quiet < r.cpio', root)).toBe('.\na\n');
  });
});

describe('hostile and broken cpio archives', () => {
  const cases: Array<[string, Buffer, string]> = [
    [
      'dot-dot',
      rawCpio([{ name: '../x', mode: 0o100644, data: Buffer.from('x') }]),
      "core.gz: '../x': entry escapes the destination",
    ],
    [
      'absolute',
      rawCpio([{ name: '/etc/passwd', mode: 0o100644 }]),
      "core.gz: '/etc/passwd': entry escapes the destination",
    ],
    [
      'write through symlink',
      rawCpio([
        { name: 'link', mode: 0o120777, data: Buffer.from('/etc') },
        { name: 'link/passwd', mode: 0o100644, data: Buffer.from('root::0:0::/:/bin/sh\n') },
      ]),
      "core.gz: 'link/passwd': written through symlink 'link' -> '/etc'",
    ],
    [
      'write through relative symlink',
      rawCpio([
        { name: 'up', mode: 0o120777, data: Buffer.from('../..') },
        { name: 'up/x/y', mode: 0o100644 },
      ]),
      "core.gz: 'up/x/y': written through symlink 'up' -> '../..'",
    ],
    [
      'directory over symlink',
      rawCpio([
        { name: 'etc', mode: 0o120777, data: Buffer.from('/etc') },
        { name: 'etc', mode: 0o40755 },
      ]),
      "core.gz: 'etc': directory replaces a symlink",
    ],
    [
      'odc',
      Buffer.from(`070707${'0'.repeat(140)}`),
      'core.gz: odc cpio archives are not supported (newc needed) at byte 0',
    ],
    ['garbage', Buffer.from('hello world, this is not cpio'.repeat(5)), 'core.gz: not a cpio newc header at byte 0'],
    ['empty', Buffer.alloc(0), 'core.gz: archive is truncated (no TRAILER!!!)'],
    ['no trailer', rawCpio([{ name: 'a', mode: 0o100644, data: Buffer.from('x') }], false), 'archive is truncated'],
    [
      'truncated body',
      rawCpio([{ name: 'a', mode: 0o100644, data: Buffer.from('abcdefgh') }]).subarray(0, 116),
      "core.gz: 'a': archive is truncated",
    ],
    [
      'bad hex',
      Buffer.from(
        rawCpio([{ name: 'a', mode: 0o100644 }])
          .toString('latin1')
          .replace(/^(.{20})./, '$1G'),
        'latin1',
      ),
      'core.gz: cpio header field mode is not hex',
    ],
    [
      'crc mismatch',
      rawCpio([{ name: 'a', mode: 0o100644, data: Buffer.from('abc'), magic: '070702', check: 1 }]),
      "core.gz: 'a': cpio crc checksum mismatch",
    ],
    ['unknown type', rawCpio([{ name: 'a', mode: 0o170644 }]), "core.gz: 'a': unknown file type in mode 170644"],
    ['data on a directory', rawCpio([{ name: 'd', mode: 0o40755, data: Buffer.from('x') }]), "'d': unexpected data"],
    [
      'two copies of a linked file',
      rawCpio([
        { name: 'a', mode: 0o100644, ino: 9, nlink: 2, data: Buffer.from('x') },
        { name: 'b', mode: 0o100644, ino: 9, nlink: 2, data: Buffer.from('y') },
      ]),
      "core.gz: 'b': second copy of a hard-linked file",
    ],
    ['root not a dir', rawCpio([{ name: '.', mode: 0o100644 }]), "core.gz: '.': root entry is not a directory"],
    [
      'not UTF-8',
      Buffer.from(
        rawCpio([{ name: 'a\u00ff', mode: 0o100644 }])
          .toString('latin1')
          .replace('aÃ¿', 'a\u00ff\u0000'),
        'latin1',
      ),
      'name is not valid UTF-8',
    ],
  ];

  it.each(cases)('%s', async (_label, bytes, message) => {
    const run = collect(readCpio(streamOf(bytes), { name: 'core.gz' }));
    await expect(run).rejects.toBeInstanceOf(ArchiveError);
    await expect(collect(readCpio(streamOf(bytes), { name: 'core.gz' }))).rejects.toThrow(message);
  });

  it('names a gzip stream whose CRC-32 does not match', async () => {
    const gz = gzipSync(rawCpio([{ name: 'a', mode: 0o100644, data: Buffer.from('x'.repeat(1000)) }]));
    gz.writeUInt8(gz.readUInt8(gz.length - 5) ^ 0xff, gz.length - 5);
    const run = collect(readCpio(streamOf(gz), { name: 'core.gz' }));
    await expect(run).rejects.toThrow(new ArchiveError('core.gz: gzip data is corrupt (CRC-32 mismatch)'));
  });

  it('names gzip data that is not deflate', async () => {
    const gz = Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), Buffer.alloc(64, 0xff)]);
    await expect(collect(readCpio(streamOf(gz), { name: 'core.gz' }))).rejects.toThrow(
      /^core\.gz: gzip data is corrupt \(invalid [a-z ]+\)$/,
    );
  });

  it('names a gzip stream cut anywhere as truncated, wherever the reader is (property)', async () => {
    const random = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7919) % 251));
    const gz = gzipSync(
      rawCpio([
        { name: 'a', mode: 0o100644, data: random(70_000) },
        { name: 'b', mode: 0o40755 },
        { name: 'b/c', mode: 0o100644, data: random(3000) },
      ]),
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: gz.length - 1 }), async (cut) => {
        const error = await collect(readCpio(streamOf(gz.subarray(0, cut)), { name: 'core.gz' })).catch((e) => e);
        expect(error).toBeInstanceOf(ArchiveError);
        expect((error as Error).message).toMatch(/^core\.gz: (gzip data is truncated|archive is truncated.*)$/);
      }),
      { numRuns: 60 },
    );
  });

  it('verifies crc archives', async () => {
    const data = Buffer.from('abc');
    const bytes = rawCpio([{ name: 'a', mode: 0o100644, data, magic: '070702', check: 0x61 + 0x62 + 0x63 }]);
    const [entry] = await collect(readCpio(streamOf(bytes)));
    expect(entry).toMatchObject({ path: 'a', content: data });
  });
});

describe('readCpio streaming contract', () => {
  const archive = rawCpio([
    { name: 'a', mode: 0o100644, data: Buffer.from('first') },
    { name: 'b', mode: 0o100644, data: Buffer.alloc(300_000, 7) },
    { name: 'c', mode: 0o100644, data: Buffer.from('third') },
  ]);

  it('skips bodies nobody reads', async () => {
    const paths: string[] = [];
    for await (const entry of readCpio(streamOf(archive))) paths.push(entry.path);
    expect(paths).toEqual(['a', 'b', 'c']);
  });

  it('refuses to open a body after moving on', async () => {
    const seen: ArchiveEntry[] = [];
    for await (const entry of readCpio(streamOf(archive))) seen.push(entry);
    const first = seen[0];
    if (first?.kind !== 'file' || first.data.from !== 'stream') throw new Error('expected a streamed file');
    expect(() => (first.data as { open: () => unknown }).open()).toThrow('entry body can be read once');
  });

  it('stops a half-read body when the consumer moves on', async () => {
    const contents: number[] = [];
    for await (const entry of readCpio(streamOf(archive))) {
      if (entry.kind !== 'file' || entry.data.from !== 'stream') continue;
      const body = entry.data.open();
      const chunk = await new Promise<Buffer>((resolve) => body.once('data', resolve));
      body.pause();
      contents.push(chunk.length);
    }
    expect(contents).toHaveLength(3);
  });

  it('reads concatenated archives, like the kernel', async () => {
    const one = rawCpio([{ name: 'a', mode: 0o100644, data: Buffer.from('1') }]);
    const two = rawCpio([{ name: 'b', mode: 0o100644, data: Buffer.from('2') }]);
    const padded = Buffer.concat([one, Buffer.alloc(512 - (one.length % 512)), two]);
    const entries = await collect(readCpio(streamOf(Buffer.concat([gzipSync(padded), gzipSync(one)]))));
    expect(entries.map((e) => [e.path, e.content?.toString()])).toEqual([
      ['a', '1'],
      ['b', '2'],
      ['a', '1'],
    ]);
  });

  it('finds hard links across entries in data-first layout', async () => {
    const bytes = rawCpio([
      { name: 'x', mode: 0o100755, ino: 5, nlink: 2, data: Buffer.from('data') },
      { name: 'other', mode: 0o100644, ino: 6, data: Buffer.from('o') },
      { name: 'y', mode: 0o100755, ino: 5, nlink: 2 },
    ]);
    const entries = await collect(readCpio(streamOf(bytes)));
    expect(entries.map((e) => [e.path, e.kind])).toEqual([
      ['x', 'file'],
      ['other', 'file'],
      ['y', 'hardlink'],
    ]);
    expect(entries[2]).toMatchObject({ target: 'x' });
  });

  it('turns a link group without data into an empty file at the trailer', async () => {
    const bytes = rawCpio([
      { name: 'p', mode: 0o100644, ino: 5, nlink: 3 },
      { name: 'q', mode: 0o100644, ino: 5, nlink: 3 },
    ]);
    const entries = await collect(readCpio(streamOf(bytes)));
    expect(entries.map((e) => [e.path, e.kind, e.kind === 'hardlink' ? e.target : e.content?.length])).toEqual([
      ['p', 'hardlink', 'q'],
      ['q', 'file', 0],
    ]);
  });
});

it('writes the archive atomically: a failure leaves the old file alone', async () => {
  const root = await tempDir();
  const dest = join(root, 'core.cpio');
  await writeFile(dest, 'old');
  await expect(writeCpio(dest, [file('a', 'x'), hardlink('b', 'nowhere')])).rejects.toThrow('is not in the archive');
  expect(await readFile(dest, 'utf8')).toBe('old');
  expect(await sh('ls -A', root)).toBe('core.cpio\n');
});

it('releases the archive when the consumer stops early, even with a body open', async () => {
  const bytes = rawCpio([
    { name: 'a', mode: 0o100644, data: Buffer.alloc(200_000, 1) },
    { name: 'b', mode: 0o100644, data: Buffer.from('b') },
  ]);
  for await (const entry of readCpio(streamOf(gzipSync(bytes)))) {
    if (entry.kind === 'file' && entry.data.from === 'stream') {
      const body = entry.data.open();
      await new Promise((resolve) => body.once('data', resolve));
      break;
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 20));
});
