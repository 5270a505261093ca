import { lstat, symlink as makeSymlink, mkdir, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ArchiveEntry } from '../../src/archive/entry.js';
import { extractTar } from '../../src/archive/tar-extract.js';
import { tarStream, writeTarGz } from '../../src/archive/tar-write.js';
import { ArchiveError } from '../../src/errors.js';
import { dir, file, hardlink, rawTar, rawTarHeader, sh, streamOf, symlink, useTempDirs } from './helpers.js';

const tempDir = useTempDirs();

const mcollective: ArchiveEntry[] = [
  dir('.'),
  dir('mcollective-2.0.0', { mtime: 1_300_000_000 }),
  dir('mcollective-2.0.0/bin', { mode: 0o555 }),
  file('mcollective-2.0.0/bin/mcollectived', '#!/usr/bin/env ruby\n', { mode: 0o755, mtime: 1_200_000_000 }),
  file('mcollective-2.0.0/bin/suid', 's', { mode: 0o4755 }),
  symlink('mcollective-2.0.0/bin/mco', 'mcollectived', { mtime: 1_100_000_000 }),
  symlink('mcollective-2.0.0/etc', '/etc/mcollective'),
  hardlink('mcollective-2.0.0/bin/mcollectived2', 'mcollective-2.0.0/bin/mcollectived'),
];

describe('extractTar', () => {
  it('writes files, directories, symlinks and hard links with modes and mtimes', async () => {
    const root = await tempDir();
    await writeTarGz(join(root, 'mco.tgz'), mcollective);
    const dest = join(root, 'overlay');
    const result = await extractTar(join(root, 'mco.tgz'), dest);
    expect(result).toEqual({ entries: 7 });
    const bin = join(dest, 'mcollective-2.0.0/bin');
    expect(await readFile(join(bin, 'mcollectived'), 'utf8')).toBe('#!/usr/bin/env ruby\n');
    expect((await stat(join(bin, 'mcollectived'))).mode & 0o7777).toBe(0o755);
    expect((await stat(join(bin, 'mcollectived'))).mtimeMs).toBe(1_200_000_000_000);
    expect((await stat(join(bin, 'suid'))).mode & 0o7777).toBe(0o4755);
    expect(await readlink(join(bin, 'mco'))).toBe('mcollectived');
    expect((await lstat(join(bin, 'mco'))).mtimeMs).toBe(1_100_000_000_000);
    expect(await readlink(join(dest, 'mcollective-2.0.0/etc'))).toBe('/etc/mcollective');
    expect((await stat(join(bin, 'mcollectived2'))).ino).toBe((await stat(join(bin, 'mcollectived'))).ino);
    // Directory modes and mtimes come last, so a read-only directory could still be filled.
    expect((await stat(bin)).mode & 0o7777).toBe(0o555);
    expect((await stat(join(dest, 'mcollective-2.0.0'))).mtimeMs).toBe(1_300_000_000_000);
    expect(await sh('find . -name "*.tmp"', dest)).toBe('');
  });

  it('never writes through a symlink already in the destination', async () => {
    const root = await tempDir();
    const outside = join(root, 'outside');
    await mkdir(outside);
    const dest = join(root, 'overlay');
    await mkdir(dest);
    await makeSymlink(outside, join(dest, 'etc'));
    const archive = tarStream([dir('etc'), file('etc/passwd', 'root::0:0::/:/bin/sh\n')]);
    await expect(extractTar(archive, dest, { name: 'mco.tgz' })).rejects.toThrow(
      new ArchiveError("mco.tgz: 'etc': exists and is not a directory"),
    );
    const nested = tarStream([file('etc/passwd', 'x')]);
    await expect(extractTar(nested, dest, { name: 'mco.tgz' })).rejects.toThrow(
      "mco.tgz: 'etc/passwd': would be written through the symlink 'etc' in the destination",
    );
    expect(await sh('ls -A', outside)).toBe('');
  });

  it('replaces a symlink at a file name instead of writing through it', async () => {
    const root = await tempDir();
    const victim = join(root, 'victim');
    await writeFile(victim, 'precious');
    const dest = join(root, 'overlay');
    await mkdir(dest);
    await makeSymlink(victim, join(dest, 'motd'));
    await extractTar(tarStream([file('motd', 'hello')]), dest);
    expect(await readFile(victim, 'utf8')).toBe('precious');
    expect((await lstat(join(dest, 'motd'))).isFile()).toBe(true);
    expect(await readFile(join(dest, 'motd'), 'utf8')).toBe('hello');
  });

  it.each([
    ['dot-dot', rawTar({ header: rawTarHeader('../escaped', '0', { size: 1 }), data: Buffer.from('x') })],
    [
      'symlink then write through it',
      rawTar(
        { header: rawTarHeader('link', '2', { linkname: '..' }) },
        { header: rawTarHeader('link/escaped', '0', { size: 1 }), data: Buffer.from('x') },
      ),
    ],
    ['hard link to outside', rawTar({ header: rawTarHeader('h', '1', { linkname: '../escaped' }) })],
  ])('refuses a hostile archive (%s) without writing outside', async (_label, bytes) => {
    const root = await tempDir();
    const dest = join(root, 'deep/overlay');
    await expect(extractTar(streamOf(bytes), dest, { name: 'mco.tgz' })).rejects.toBeInstanceOf(ArchiveError);
    expect(await sh('find . -name escaped', root)).toBe('');
  });

  it('refuses to replace a directory by a file', async () => {
    const root = await tempDir();
    const archive = rawTar(
      { header: rawTarHeader('d/', '5') },
      { header: rawTarHeader('d/x', '0', { size: 1 }), data: Buffer.from('x') },
      { header: rawTarHeader('d', '0', { size: 1 }), data: Buffer.from('y') },
    );
    await expect(extractTar(streamOf(archive), root, { name: 'mco.tgz' })).rejects.toThrow(
      "mco.tgz: 'd': would replace a directory",
    );
  });

  it('refuses device nodes', async () => {
    const root = await tempDir();
    await expect(extractTar(streamOf(rawTar({ header: rawTarHeader('dev/sda', '4') })), root)).rejects.toThrow(
      'blockdev entries are not allowed',
    );
  });
});
