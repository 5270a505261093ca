import { access, chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorText, reasonFor } from '../../src/errno.js';
import { materialise, sweepStale, tempName, writeFileAtomic } from '../../src/fetch/files.js';
import { deadOwnerTag, liveOwner } from '../helpers/owners.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mkbundle-files-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function blob(name: string, content: string): Promise<string> {
  const path = join(root, name);
  await writeFile(path, content);
  await chmod(path, 0o444);
  return path;
}

/** A directory on another filesystem than `root`, if this machine has a writable one. */
async function otherFilesystemDir(): Promise<string | undefined> {
  try {
    await access('/dev/shm');
    if ((await stat('/dev/shm')).dev === (await stat(root)).dev) return undefined;
    return await mkdtemp('/dev/shm/mkbundle-files-');
  } catch {
    return undefined;
  }
}

describe('materialise', () => {
  it('hard links on the same filesystem, creating parent dirs, and replaces an existing file', async () => {
    const src = await blob('b1', 'one');
    const dest = join(root, 'out', 'deep', 'file.tcz');
    expect(await materialise(src, dest)).toBe('link');
    expect((await stat(dest)).ino).toBe((await stat(src)).ino);
    const src2 = await blob('b2', 'two');
    expect(await materialise(src2, dest)).toBe('link');
    expect(await readFile(dest, 'utf8')).toBe('two');
    // Linking the same blob again is a no-op rename; no temp file may stay behind.
    expect(await materialise(src2, dest)).toBe('link');
    expect(await readdir(join(root, 'out', 'deep'))).toEqual(['file.tcz']);
  });

  it('copies across filesystems', async () => {
    const other = await otherFilesystemDir();
    if (other === undefined) return;
    try {
      const src = await blob('b3', 'three');
      const dest = join(other, 'file');
      expect(await materialise(src, dest)).toBe('copy');
      expect(await readFile(dest, 'utf8')).toBe('three');
      expect(await readdir(other)).toEqual(['file']);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('fails on a missing blob without leaving anything', async () => {
    const dir = join(root, 'missing');
    await expect(materialise(join(root, 'nope'), join(dir, 'f'))).rejects.toThrow(/ENOENT/);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('writeFileAtomic', () => {
  it('replaces the file and leaves no temp file', async () => {
    const dir = join(root, 'atomic');
    const tmp = join(dir, 'tmp');
    await mkdir(tmp, { recursive: true });
    await writeFileAtomic(join(dir, 'x.json'), 'a', tmp);
    await writeFileAtomic(join(dir, 'x.json'), 'b', tmp);
    expect(await readFile(join(dir, 'x.json'), 'utf8')).toBe('b');
    expect(await readdir(tmp)).toEqual([]);
  });
});

describe('sweepStale', () => {
  it('removes only files older than the limit', async () => {
    const dir = join(root, 'sweep');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'old'), '');
    await writeFile(join(dir, 'new'), '');
    const hourAgo = (Date.now() - 3_600_000) / 1000;
    await utimes(join(dir, 'old'), hourAgo, hourAgo);
    expect(await sweepStale(dir, 60_000)).toEqual({ files: 1, bytes: 0 });
    expect(await readdir(dir)).toEqual(['new']);
  });

  it('removes at once the temp files of writers that have ended; never a live writer’s, nor another user’s', async () => {
    const dir = join(root, 'sweep-owners');
    await mkdir(dir, { recursive: true });
    const dead = await deadOwnerTag();
    const live = await liveOwner();
    try {
      const kept = [`${live.tag}-0123abcd.part`, basename(tempName(dir)), 'young.part'];
      for (const name of [`${dead}-0123abcd.part`, ...kept]) await writeFile(join(dir, name), 'partial');
      if (process.geteuid?.() === 0) {
        kept.push(`${dead}-4567ef01.part`);
        await writeFile(join(dir, `${dead}-4567ef01.part`), 'partial');
        await chown(join(dir, `${dead}-4567ef01.part`), 65534, 65534);
      }
      expect(await sweepStale(dir, 60_000)).toEqual({ files: 1, bytes: 'partial'.length });
      expect((await readdir(dir)).sort()).toEqual(kept.sort());
    } finally {
      await live.stop();
    }
  });
});

describe('errorText', () => {
  it('gives the short reason for an errno code, without the call and path Node puts in the message', async () => {
    const err = await writeFile(join(root, 'no', 'such', 'dir'), 'x').catch((e: unknown) => e);
    expect(errorText(err)).toBe('no such file or directory');
    expect(errorText(Object.assign(new Error('EROFS: read-only file system, open /x'), { code: 'EROFS' }))).toBe(
      'read-only file system',
    );
    expect(reasonFor('ENOSPC')).toBe('no space left on device');
  });

  it('falls back to the message for other errors and codes, and to the text of a non-error', () => {
    expect(errorText(new Error('bad header'))).toBe('bad header');
    expect(errorText(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe('socket hang up');
    expect(errorText('plain')).toBe('plain');
    expect(reasonFor('ECONNRESET')).toBeUndefined();
  });
});
