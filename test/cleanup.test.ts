import { chmod, chown, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeScratchDir, removeTree, scratchDir } from '../src/cleanup.js';
import { ownerTag } from '../src/owner.js';
import { deadOwnerTag, liveOwner } from './helpers/owners.js';

const NOBODY = 65534;
const isRoot = process.geteuid?.() === 0;
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mkbundle-cleanup-test-'));
  await chmod(work, 0o755);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('scratchDir', () => {
  it('names the directory after its owner', async () => {
    const parent = await mkdtemp(join(work, 'named-'));
    const dir = await scratchDir('bundle', parent);
    expect(dir.slice(parent.length + 1)).toMatch(
      new RegExp(`^mkbundle-bundle-${ownerTag().replaceAll('.', '\\.')}-\\w{6}$`),
    );
    await removeScratchDir(dir);
    expect(await readdir(parent)).toEqual([]);
  });

  it('first sweeps the parent of what killed runs left, and of nothing else', async () => {
    const parent = await mkdtemp(join(work, 'sweep-'));
    const dead = await deadOwnerTag();
    const live = await liveOwner();
    try {
      const make = async (name: string) => {
        await mkdir(join(parent, name, 'deep', 'er'), { recursive: true });
        await writeFile(join(parent, name, 'deep', 'er', 'f'), 'x');
        return name;
      };
      const swept = [await make(`mkbundle-bundle-${dead}-Ab12Cd`), await make(`mkbundle-iso-stage-${dead}-x9Y8z7`)];
      // A read-only tree, as xorriso leaves one.
      await chmod(join(parent, swept[1] as string, 'deep'), 0o555);
      const kept = [
        await make(`mkbundle-bundle-${live.tag}-Ab12Cd`),
        await make('mkbundle-bundle-Ab12Cd'),
        await make(`other-${dead}-Ab12Cd`),
      ];
      // A link named like a dead run's directory: neither it nor what it points to is touched.
      const target = await make('target');
      await symlink(join(parent, target), join(parent, `mkbundle-derived-${dead}-Lnk123`));
      kept.push(target, `mkbundle-derived-${dead}-Lnk123`);
      if (isRoot) {
        const foreign = await make(`mkbundle-kver-${dead}-Nb0dy1`);
        await chown(join(parent, foreign), NOBODY, NOBODY);
        kept.push(foreign);
      }
      const mine = await scratchDir('bundle', parent);
      expect((await readdir(parent)).sort()).toEqual([...kept, mine.slice(parent.length + 1)].sort());
      expect(await readdir(join(parent, target, 'deep', 'er'))).toEqual(['f']);
    } finally {
      await live.stop();
    }
  });
});

describe('removeTree', () => {
  it('removes read-only directories too, also for an ordinary user', async () => {
    const parent = await mkdtemp(join(work, 'scratch-'));
    if (isRoot) await chown(parent, NOBODY, NOBODY);
    if (isRoot) process.seteuid?.(NOBODY);
    try {
      const dir = join(parent, 'tree');
      await mkdir(join(dir, 'boot', 'isolinux'), { recursive: true });
      await writeFile(join(dir, 'boot', 'isolinux', 'f'), 'x');
      await chmod(join(dir, 'boot', 'isolinux', 'f'), 0o444);
      await chmod(join(dir, 'boot', 'isolinux'), 0o555);
      await chmod(join(dir, 'boot'), 0o555);
      await removeTree(dir);
      expect(await readdir(parent)).toEqual([]);
    } finally {
      if (isRoot) process.seteuid?.(0);
    }
  });
});
