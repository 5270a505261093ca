import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renameTogether } from '../src/commit.js';
import { InputError } from '../src/errors.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-commit-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const at = (name: string) => join(dir, name);
const contents = async () =>
  Object.fromEntries(
    await Promise.all(
      (await readdir(dir)).sort().map(async (n) => [n, await readFile(at(n), 'utf8').catch(() => 'DIR')]),
    ),
  );

async function files(names: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(names)) await writeFile(at(name), text);
}

describe('renameTogether', () => {
  it('puts every file in place, leaves no backup, and says which names held an earlier file', async () => {
    await files({ 'x.iso': 'old iso', 'a.tmp': 'new iso', 'b.tmp': 'new manifest' });
    const replaced = await renameTogether([
      { from: at('a.tmp'), to: at('x.iso') },
      { from: at('b.tmp'), to: at('x.iso.manifest') },
    ]);
    expect(await contents()).toEqual({ 'x.iso': 'new iso', 'x.iso.manifest': 'new manifest' });
    expect([...replaced]).toEqual([at('x.iso')]);
  });

  it('puts the first file back when the second rename fails', async () => {
    await files({ 'x.iso': 'old iso', 'x.iso.manifest': 'old manifest', 'a.tmp': 'new iso' });
    const failing = renameTogether([
      { from: at('a.tmp'), to: at('x.iso') },
      { from: at('missing.tmp'), to: at('x.iso.manifest') },
    ]);
    await expect(failing).rejects.toThrow(
      new InputError(`cannot write ${at('x.iso.manifest')}: no such file or directory`),
    );
    expect(await contents()).toEqual({ 'x.iso': 'old iso', 'x.iso.manifest': 'old manifest' });
  });

  it('removes the first file again when it had no predecessor', async () => {
    await files({ 'a.tmp': 'new iso' });
    const failing = renameTogether([
      { from: at('a.tmp'), to: at('x.iso') },
      { from: at('missing.tmp'), to: at('x.iso.manifest') },
    ]);
    await expect(failing).rejects.toThrow(InputError);
    expect(await contents()).toEqual({});
  });

  it('refuses a directory in the way before renaming anything', async () => {
    await files({ 'x.iso': 'old iso', 'a.tmp': 'new iso', 'b.tmp': 'new manifest' });
    await mkdir(at('x.iso.manifest'));
    const failing = renameTogether([
      { from: at('a.tmp'), to: at('x.iso') },
      { from: at('b.tmp'), to: at('x.iso.manifest') },
    ]);
    await expect(failing).rejects.toThrow(new InputError(`cannot write ${at('x.iso.manifest')}: is a directory`));
    expect(await contents()).toEqual({
      'a.tmp': 'new iso',
      'b.tmp': 'new manifest',
      'x.iso': 'old iso',
      'x.iso.manifest': 'DIR',
    });
  });
});
