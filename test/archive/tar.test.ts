import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ArchiveEntry } from '../../src/archive/entry.js';
import { readTar } from '../../src/archive/tar-read.js';
import { tarStream, writeTarGz } from '../../src/archive/tar-write.js';
import { ArchiveError } from '../../src/errors.js';
import {
  collect,
  dir,
  file,
  hardlink,
  isRoot,
  rawTar,
  rawTarHeader,
  sh,
  streamOf,
  symlink,
  useTempDirs,
} from './helpers.js';

const tempDir = useTempDirs();
const long = (n: number, c = 'd') => c.repeat(n);
const deepPath = `${long(60, 'a')}/${long(60, 'b')}/${long(60, 'c')}/${long(60, 'e')}/${long(70, 'f')}.rb`;

async function gnuTree(root: string): Promise<void> {
  await sh(
    [
      `mkdir -p t/lib/mcollective ${JSON.stringify(`t/${deepPath.slice(0, deepPath.lastIndexOf('/'))}`)}`,
      'cd t',
      'printf "module MCollective\\nend\\n" > lib/mcollective.rb',
      'printf x > lib/mcollective/suid && chmod 4750 lib/mcollective/suid',
      `printf deep > ${JSON.stringify(deepPath)}`,
      'ln lib/mcollective.rb lib/hard.rb',
      'ln -s mcollective.rb lib/soft.rb',
      `ln -s ${long(120, 'z')} lib/longlink`,
      'touch -d @1234567890 lib/mcollective.rb',
    ].join(' && '),
    root,
  );
}

describe('readTar on GNU tar output', () => {
  it.each(['gnu', 'pax', 'posix', 'ustar'])('reads --format=%s', async (format) => {
    const root = await tempDir();
    await gnuTree(root);
    const archive = join(root, `x.${format}.tgz`);
    // ustar cannot hold the 300-byte name or the 120-byte link target.
    const exclude = format === 'ustar' ? `--exclude=${long(60, 'a')} --exclude=longlink` : '';
    await sh(`tar --format=${format} ${exclude} -czf ${archive} -C t .`, root);
    const entries = await collect(readTar(archive));
    const byPath = new Map(entries.map((e) => [e.path, e]));
    expect(entries[0]).toMatchObject({ path: '.', kind: 'dir' });
    expect(byPath.get('lib/mcollective.rb')).toMatchObject({
      kind: 'file',
      mode: 0o644,
      mtime: 1234567890,
      content: Buffer.from('module MCollective\nend\n'),
    });
    expect(byPath.get('lib/mcollective/suid')).toMatchObject({ kind: 'file', mode: 0o4750 });
    expect(byPath.get('lib/soft.rb')).toMatchObject({ kind: 'symlink', target: 'mcollective.rb' });
    const hard = [byPath.get('lib/hard.rb'), byPath.get('lib/mcollective.rb')];
    expect(hard.map((e) => e?.kind).sort()).toEqual(['file', 'hardlink']);
    expect(byPath.get('lib')).toMatchObject({ kind: 'dir', mode: 0o755 });
    if (format !== 'ustar') {
      expect(byPath.get(deepPath)).toMatchObject({ kind: 'file', content: Buffer.from('deep') });
      expect(byPath.get('lib/longlink')).toMatchObject({ kind: 'symlink', target: long(120, 'z') });
    }
  });

  it('reads uncompressed tar and v7 tar (directories marked by a slash)', async () => {
    const root = await tempDir();
    await sh('mkdir -p t/d && printf x > t/d/f && tar --format=v7 -cf v7.tar -C t d', root);
    const entries = await collect(readTar(join(root, 'v7.tar')));
    expect(entries.map((e) => [e.path, e.kind])).toEqual([
      ['d', 'dir'],
      ['d/f', 'file'],
    ]);
  });
});

describe('hostile and broken tar archives', () => {
  const data = Buffer.from('root::0:0:root:/root:/bin/sh\n');
  const cases: Array<[string, Buffer, string]> = [
    [
      'dot-dot',
      rawTar({ header: rawTarHeader('../etc/passwd', '0', { size: data.length }), data }),
      "mco.tgz: '../etc/passwd': entry escapes the destination",
    ],
    [
      'absolute',
      rawTar({ header: rawTarHeader('/etc/passwd', '0', { size: data.length }), data }),
      "mco.tgz: '/etc/passwd': entry escapes the destination",
    ],
    [
      'hard link climbing out',
      rawTar({ header: rawTarHeader('x', '1', { linkname: '../../etc/shadow' }) }),
      "mco.tgz: 'x': hard link target '../../etc/shadow' escapes the destination",
    ],
    [
      'hard link to an absolute path',
      rawTar({ header: rawTarHeader('x', '1', { linkname: '/etc/shadow' }) }),
      "mco.tgz: 'x': hard link target '/etc/shadow' escapes the destination",
    ],
    [
      'hard link to a name not in the archive',
      rawTar({ header: rawTarHeader('x', '1', { linkname: 'etc/shadow' }) }),
      "mco.tgz: 'x': hard link target 'etc/shadow' is not a file of the archive",
    ],
    [
      'hard link to a symlink',
      rawTar(
        { header: rawTarHeader('s', '2', { linkname: '/etc/shadow' }) },
        { header: rawTarHeader('x', '1', { linkname: 's' }) },
      ),
      "mco.tgz: 'x': hard link target 's' is not a file of the archive",
    ],
    [
      'hard link through a symlink',
      rawTar(
        { header: rawTarHeader('s', '2', { linkname: '/etc' }) },
        { header: rawTarHeader('x', '1', { linkname: 's/shadow' }) },
      ),
      "mco.tgz: 's/shadow': written through symlink 's' -> '/etc'",
    ],
    [
      'write through symlink',
      rawTar(
        { header: rawTarHeader('link', '2', { linkname: '/etc' }) },
        { header: rawTarHeader('link/passwd', '0', { size: data.length }), data },
      ),
      "mco.tgz: 'link/passwd': written through symlink 'link' -> '/etc'",
    ],
    [
      'write through nested symlink',
      rawTar(
        { header: rawTarHeader('a/', '5') },
        { header: rawTarHeader('a/up', '2', { linkname: '../..' }) },
        { header: rawTarHeader('a/up/b/c', '0') },
      ),
      "mco.tgz: 'a/up/b/c': written through symlink 'a/up' -> '../..'",
    ],
    [
      'device node',
      rawTar({ header: rawTarHeader('dev/sda', '4') }),
      "mco.tgz: 'dev/sda': blockdev entries are not allowed",
    ],
    ['fifo', rawTar({ header: rawTarHeader('p', '6') }), "mco.tgz: 'p': fifo entries are not allowed"],
    ['sparse', rawTar({ header: rawTarHeader('s', 'S') }), "mco.tgz: 's': unsupported tar entry type 'S'"],
    [
      'pax path escaping',
      rawTar(
        { header: rawTarHeader('PaxHeaders/x', 'x', { size: 19 }), data: Buffer.from('19 path=../../../x\n') },
        { header: rawTarHeader('x', '0') },
      ),
      "mco.tgz: '../../../x': entry escapes the destination",
    ],
    [
      'GNU long name escaping',
      rawTar(
        { header: rawTarHeader('././@LongLink', 'L', { size: 9 }), data: Buffer.from('/etc/rc\0\0') },
        { header: rawTarHeader('x', '0') },
      ),
      "mco.tgz: '/etc/rc': entry escapes the destination",
    ],
    [
      'bad checksum',
      Buffer.concat([Buffer.from('x'.repeat(512)), Buffer.alloc(1024)]),
      'mco.tgz: not a tar header (checksum mismatch) at byte 0',
    ],
    [
      'truncated body',
      rawTar({ header: rawTarHeader('big', '0', { size: 5000 }), data: Buffer.alloc(5000) }).subarray(0, 2048),
      "mco.tgz: 'big': archive is truncated",
    ],
    ['truncated header', Buffer.alloc(100, 1), 'mco.tgz: archive is truncated'],
    [
      'malformed pax',
      rawTar(
        { header: rawTarHeader('p', 'x', { size: 8 }), data: Buffer.from('99 a=b\n\0') },
        { header: rawTarHeader('x', '0') },
      ),
      'mco.tgz: cannot read archive: malformed pax header',
    ],
  ];

  it.each(cases)('%s', async (_label, bytes, message) => {
    for (const archive of [bytes, gzipSync(bytes)]) {
      const run = collect(readTar(streamOf(archive), { name: 'mco.tgz' }));
      await expect(run).rejects.toBeInstanceOf(ArchiveError);
      await expect(collect(readTar(streamOf(archive), { name: 'mco.tgz' }))).rejects.toThrow(message);
    }
  });

  it('passes device nodes and FIFOs when asked', async () => {
    const bytes = rawTar({ header: rawTarHeader('dev/sda', '4') }, { header: rawTarHeader('p', '6') });
    const entries = await collect(readTar(streamOf(bytes), { allowDevices: true }));
    expect(entries.map((e) => e.kind)).toEqual(['blockdev', 'fifo']);
  });

  it('allows replacing a symlink by a file, and absolute symlinks as data', async () => {
    const bytes = rawTar(
      { header: rawTarHeader('bin/sh', '2', { linkname: '/bin/busybox' }) },
      { header: rawTarHeader('bin/sh', '0', { size: 2 }), data: Buffer.from('#!') },
      { header: rawTarHeader('bin/sh/x', '0') },
    );
    // The file replaced the link, so nothing is written through it (and bin/sh/x fails later, on disk).
    const entries = await collect(readTar(streamOf(bytes)));
    expect(entries.map((e) => e.kind)).toEqual(['symlink', 'file', 'file']);
  });

  it('reports a path that does not exist', async () => {
    await expect(collect(readTar('/nonexistent/mco.tgz'))).rejects.toThrow(
      /^\/nonexistent\/mco\.tgz: cannot read archive: ENOENT/,
    );
  });
});

const overlay: ArchiveEntry[] = [
  dir('opt'),
  file('opt/bootlocal.sh', '#!/bin/sh\n', { mode: 0o755, mtime: 1_700_000_000 }),
  file('opt/bootsync.sh', '#!/bin/sh\n/opt/bootlocal.sh &\n', { mode: 0o775 }),
  dir('usr'),
  dir('usr/local', { mode: 0o775 }),
  symlink('usr/local/mco', '/usr/local/lib/mcollective'),
  file('usr/local/bin/sudo', 'S', { mode: 0o4711, uid: 1000, gid: 1000 }),
  dir('usr/local/bin'),
  hardlink('a-first', 'z-last'),
  file('z-last', 'linked'),
  file(`deep/${deepPath}`, 'long'),
  dir('deep'),
  symlink('longlink', `${long(150, 'q')}/target`),
  file('usr/local/bin/empty', ''),
];

describe('writeTarGz', () => {
  it('lists in GNU tar exactly as given: sorted, root/root, modes, mtimes, links', async () => {
    const root = await tempDir();
    await writeTarGz(join(root, 'o.tgz'), overlay);
    const listing = await sh('TZ=UTC tar -tvzf o.tgz', root);
    expect(listing.split('\n')).toEqual([
      '-rw-r--r-- root/root         6 2020-09-13 12:26 a-first',
      'drwxr-xr-x root/root         0 2020-09-13 12:26 deep/',
      `-rw-r--r-- root/root         4 2020-09-13 12:26 deep/${deepPath}`,
      `lrwxrwxrwx root/root         0 2020-09-13 12:26 longlink -> ${long(150, 'q')}/target`,
      'drwxr-xr-x root/root         0 2020-09-13 12:26 opt/',
      '-rwxr-xr-x root/root        10 2023-11-14 22:13 opt/bootlocal.sh',
      '-rwxrwxr-x root/root        30 2020-09-13 12:26 opt/bootsync.sh',
      'drwxr-xr-x root/root         0 2020-09-13 12:26 usr/',
      'drwxrwxr-x root/root         0 2020-09-13 12:26 usr/local/',
      'drwxr-xr-x root/root         0 2020-09-13 12:26 usr/local/bin/',
      '-rw-r--r-- root/root         0 2020-09-13 12:26 usr/local/bin/empty',
      '-rws--x--x root/root         1 2020-09-13 12:26 usr/local/bin/sudo',
      'lrwxrwxrwx root/root         0 2020-09-13 12:26 usr/local/mco -> /usr/local/lib/mcollective',
      // The first name of a hard-link group in sorted order carries the data.
      'hrw-r--r-- root/root         0 2020-09-13 12:26 z-last link to a-first',
      '',
    ]);
  });

  it('GNU tar extracts long names, long link targets and hard links', async () => {
    const root = await tempDir();
    await writeTarGz(join(root, 'o.tgz'), overlay);
    await sh('mkdir x && tar -xzf o.tgz -C x', root);
    expect(await readFile(join(root, 'x/deep', deepPath), 'utf8')).toBe('long');
    expect((await sh(`readlink x/longlink`, root)).trim()).toBe(`${long(150, 'q')}/target`);
    expect(await sh('stat -c %i x/a-first x/z-last | sort -u | wc -l', root)).toBe('1\n');
    expect(await readFile(join(root, 'x/z-last'), 'utf8')).toBe('linked');
    expect((await stat(join(root, 'x/usr/local/bin/sudo'))).mode & 0o7777).toBe(0o4711);
  });

  it('is byte-identical across runs and input orders, with data from paths, buffers and streams', async () => {
    const root = await tempDir();
    await writeFile(join(root, 'src'), 'from a path');
    const more: ArchiveEntry[] = [
      {
        path: 'p',
        kind: 'file',
        mode: 0o644,
        uid: 5,
        gid: 5,
        mtime: 1,
        size: 11,
        data: { from: 'path', path: join(root, 'src') },
      },
      {
        path: 's',
        kind: 'file',
        mode: 0o644,
        uid: 0,
        gid: 0,
        mtime: 1,
        size: 6,
        data: { from: 'stream', open: () => Readable.from([Buffer.from('str'), Buffer.from('eam')]) },
      },
    ];
    const all = [...overlay, ...more];
    const outputs: Buffer[] = [];
    for (const [i, order] of [
      all,
      [...all].reverse(),
      fc.sample(fc.shuffledSubarray(all, { minLength: all.length }), { seed: 7, numRuns: 1 })[0] as ArchiveEntry[],
    ].entries()) {
      const dest = join(root, `o${i}.tgz`);
      await writeTarGz(dest, order, { sourceDateEpoch: 1_650_000_000 });
      outputs.push(await readFile(dest));
    }
    expect(outputs[1]?.equals(outputs[0] as Buffer)).toBe(true);
    expect(outputs[2]?.equals(outputs[0] as Buffer)).toBe(true);
    // The first member's gzip header: deflate, no flags, mtime 0, XFL 2 (level 8 and up), OS 3 (Unix)
    expect(outputs[0]?.subarray(0, 10).toString('hex')).toBe('1f8b0800000000000203');
    expect(await sh('ls', root)).toBe('o0.tgz\no1.tgz\no2.tgz\nsrc\n');
  });

  it('clamps mtimes to SOURCE_DATE_EPOCH and never writes atime, ctime or owners', async () => {
    const entries = [file('old', 'x', { mtime: 100 }), file('new', 'y', { mtime: 2_000_000_000, uid: 1000, gid: 100 })];
    const read = await collect(readTar(tarStream(entries, { sourceDateEpoch: 1_500_000_000 })));
    expect(read.map((e) => [e.path, e.mtime, e.uid, e.gid])).toEqual([
      ['new', 1_500_000_000, 0, 0],
      ['old', 100, 0, 0],
    ]);
    const chunks: Buffer[] = [];
    for await (const chunk of tarStream(overlay)) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    expect(raw.includes('atime')).toBe(false);
    expect(raw.includes('ctime')).toBe(false);
    expect(raw.length % 10240).toBe(0);
  });

  it('orders a directory before its contents, byte-wise by segment', async () => {
    const entries = [file('a-b', ''), file('a/b', ''), dir('a'), file('B', ''), file('a.b', ''), dir('.')];
    const read = await collect(readTar(tarStream(entries)));
    expect(read.map((e) => e.path)).toEqual(['.', 'B', 'a', 'a/b', 'a-b', 'a.b']);
  });

  it.each([
    [[file('a', 'x'), file('a', 'y')], "'a': duplicate path"],
    [[{ ...file('s', ''), kind: 'socket' } as ArchiveEntry], "'s': tar cannot hold sockets"],
    [[hardlink('h', 'missing')], "'h': hard link target 'missing' is not a file of the archive"],
    [[file('x/', 'y')], "'x/': path is not normalised"],
    [[file('../up', 'y')], "'../up': entry escapes the destination"],
    [[{ ...file('a', 'xy'), size: 5 } as ArchiveEntry], "'a': data size changed: expected 5 bytes, got 2"],
  ])('refuses bad input %#', async (entries, message) => {
    const root = await tempDir();
    await expect(writeTarGz(join(root, 'o.tgz'), entries, { name: 'overlay.tgz' })).rejects.toThrow(
      `overlay.tgz: ${message}`,
    );
    expect(await sh('ls -A', root)).toBe('');
  });

  it('round-trips random trees through readTar (property)', async () => {
    const name = fc.stringMatching(/^[a-zA-Z0-9_.-]{1,40}$/).filter((s) => s !== '.' && s !== '..');
    const tree = fc.uniqueArray(
      fc.record({
        path: fc.array(name, { minLength: 1, maxLength: 5 }).map((parts) => parts.join('/')),
        mode: fc.integer({ min: 0, max: 0o7777 }),
        mtime: fc.integer({ min: 0, max: 2 ** 33 }),
        body: fc.oneof(fc.uint8Array({ maxLength: 1100 }), fc.string({ minLength: 1, maxLength: 200 })),
      }),
      { selector: (e) => e.path, maxLength: 25 },
    );
    await fc.assert(
      fc.asyncProperty(tree, async (specs) => {
        // Leaves only: a path that is a prefix of another becomes a directory.
        const entries: ArchiveEntry[] = specs.map(({ path, mode, mtime, body }) => {
          const base = { path, mode, mtime, uid: 0, gid: 0 };
          if (specs.some((other) => other.path.startsWith(`${path}/`))) return { ...base, kind: 'dir' };
          if (typeof body === 'string') return { ...base, kind: 'symlink', target: body.replace(/\0/g, '') || 'x' };
          const data = Buffer.from(body);
          return { ...base, kind: 'file', size: data.length, data: { from: 'buffer', data } };
        });
        const read = await collect(readTar(tarStream(entries)));
        const plain = (list: readonly ArchiveEntry[]) =>
          list
            .map(
              ({ data: _data, content: _content, ...rest }: ArchiveEntry & { data?: unknown; content?: unknown }) =>
                rest,
            )
            .sort((a, b) => (a.path < b.path ? -1 : 1));
        expect(plain(read)).toEqual(plain(entries));
        const contents = new Map(read.map((e) => [e.path, e.content?.toString('hex')]));
        for (const entry of entries) {
          if (entry.kind === 'file' && entry.data.from === 'buffer') {
            expect(contents.get(entry.path)).toBe(entry.data.data.toString('hex'));
          }
        }
      }),
      { numRuns: 60 },
    );
  });
});

it.skipIf(!isRoot)('tar writer keeps device nodes (allowed when reading back)', async () => {
  const entries: ArchiveEntry[] = [
    { path: 'dev/console', kind: 'chardev', major: 5, minor: 1, mode: 0o600, uid: 0, gid: 0, mtime: 1 },
  ];
  const root = await tempDir();
  await writeTarGz(join(root, 'd.tgz'), entries);
  expect(await sh('TZ=UTC tar -tvzf d.tgz', root)).toBe(
    'crw------- root/root       5,1 1970-01-01 00:00 dev/console\n',
  );
  const [entry] = await collect(readTar(join(root, 'd.tgz'), { allowDevices: true }));
  expect(entry).toMatchObject({ kind: 'chardev', major: 5, minor: 1 });
});
