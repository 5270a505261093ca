import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { removeUnless, tmpDirOf } from '../../src/cache/remove.js';

let root: string;
let n = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mkbundle-remove-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A fresh cache-like dir with tmp/ and one file `f` holding `old`. */
async function fresh(): Promise<{ path: string; tmp: string }> {
  n += 1;
  const dir = join(root, `c${n}`);
  await mkdir(join(dir, 'tmp'), { recursive: true });
  await writeFile(join(dir, 'f'), 'old');
  return { path: join(dir, 'f'), tmp: join(dir, 'tmp') };
}

it('removes the file when keep says no, showing keep the file it took', async () => {
  const { path, tmp } = await fresh();
  let seen = '';
  const keep = async (_taken: unknown, aside: string) => {
    seen = await readFile(aside, 'utf8');
    return false;
  };
  expect(await removeUnless(path, tmp, keep)).toBe('removed');
  expect(seen).toBe('old');
  await expect(readFile(path)).rejects.toThrow(/ENOENT/);
  expect(await readdir(tmp)).toEqual([]);
});

it('puts the file back when keep says so', async () => {
  const { path, tmp } = await fresh();
  expect(await removeUnless(path, tmp, () => true)).toBe('kept');
  expect(await readFile(path, 'utf8')).toBe('old');
  expect(await readdir(tmp)).toEqual([]);
});

it('a file another run puts at the name while the taken one is judged is never replaced nor removed', async () => {
  for (const keep of [true, false]) {
    const { path, tmp } = await fresh();
    const outcome = await removeUnless(path, tmp, async () => {
      await writeFile(path, 'newer');
      return keep;
    });
    expect(outcome).toBe(keep ? 'kept' : 'removed');
    expect(await readFile(path, 'utf8')).toBe('newer');
    expect(await readdir(tmp)).toEqual([]);
  }
});

it('says gone when nothing is at the name, and puts the file back when keep throws', async () => {
  const { path, tmp } = await fresh();
  expect(await removeUnless(`${path}-none`, tmp, () => false)).toBe('gone');
  await expect(
    removeUnless(path, tmp, () => {
      throw new Error('cannot judge');
    }),
  ).rejects.toThrow('cannot judge');
  expect(await readFile(path, 'utf8')).toBe('old');
  expect(await readdir(tmp)).toEqual([]);
});

it('tmpDirOf makes tmp/ in a cache that has none, and is undefined where there is no cache', async () => {
  const dir = join(root, 'no-tmp');
  await mkdir(dir);
  expect(await tmpDirOf(dir)).toBe(join(dir, 'tmp'));
  expect(await readdir(dir)).toEqual(['tmp']);
  expect(await tmpDirOf(join(root, 'nothing-here'))).toBeUndefined();
});
