import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { makeDirs, prepareOutput, removeEmptyDirs } from '../../src/output/dir.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mkbundle-outdir-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('makeDirs', () => {
  it('makes the missing levels and returns them outermost first; an existing directory makes none', async () => {
    const deep = join(root, 'm', 'a', 'b');
    expect(await makeDirs(deep)).toEqual([join(root, 'm'), join(root, 'm', 'a'), deep]);
    expect(await makeDirs(deep)).toEqual([]);
    expect(await makeDirs(`${deep}/`)).toEqual([]);
  });

  it('names the file in the way', async () => {
    const file = join(root, 'file');
    await writeFile(file, 'x');
    await expect(makeDirs(file)).rejects.toThrow(/^not a directory$/);
    await expect(makeDirs(join(file, 'a', 'b'))).rejects.toThrow(`${file} is not a directory`);
  });

  it('names a symbolic link to nothing on the way', async () => {
    const link = join(root, 'dangling');
    await symlink(join(root, 'nowhere'), link);
    await expect(makeDirs(join(link, 'out'))).rejects.toThrow(`${link} is a symbolic link to nothing`);
    expect(existsSync(join(root, 'nowhere'))).toBe(false);
  });

  it('stops where mkdir answers ENOENT below an existing directory (/proc), removing what it made', async () => {
    await expect(makeDirs('/proc/mkbundle-test/a')).rejects.toThrow('/proc takes no new directories');
    expect(existsSync('/proc/mkbundle-test')).toBe(false);
  });
});

describe('removeEmptyDirs', () => {
  it('removes innermost first and stops at a directory that is not empty', async () => {
    const made = await makeDirs(join(root, 'r', 'a', 'b'));
    await writeFile(join(root, 'r', 'kept'), 'x');
    await removeEmptyDirs(made);
    expect(await readdir(join(root, 'r'))).toEqual(['kept']);
  });
});

describe('prepareOutput', () => {
  it('makes the directory, leaves no probe behind, and its undo removes what it made', async () => {
    const out = join(root, 'p', 'build-files');
    const undo = await prepareOutput(out, 'bundle.tar.gz');
    expect(await readdir(out)).toEqual([]);
    await undo();
    expect(existsSync(join(root, 'p'))).toBe(false);
  });

  it('keeps a directory that was there, and an earlier output in it', async () => {
    const out = join(root, 'existing');
    await mkdir(out);
    await writeFile(join(out, 'bundle.tar.gz'), 'earlier');
    const undo = await prepareOutput(out, 'bundle.tar.gz');
    await undo();
    expect(await readdir(out)).toEqual(['bundle.tar.gz']);
  });

  it('refuses an output name that is a directory, with InputErrors naming the path', async () => {
    const out = join(root, 'dir-named');
    await mkdir(join(out, 'bundle.tar.gz'), { recursive: true });
    const error = await prepareOutput(out, 'bundle.tar.gz').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe(`cannot write ${join(out, 'bundle.tar.gz')}: is a directory`);
    await expect(prepareOutput('/proc/mkbundle-x', 'b')).rejects.toThrow(
      'cannot write /proc/mkbundle-x: /proc takes no new directories',
    );
  });
});
