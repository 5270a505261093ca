import { chmod, chown, lstat, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SquashfsImage } from '../../src/squashfs/index.js';
import { mksquashfs } from './helpers/fixture.js';
import { buildSourceTree } from './helpers/source-tree.js';

// When the suite runs as root, these tests drop to this identity (effective
// ids only, restored afterwards) to see what an ordinary user gets.
const NOBODY = 65534;
const isRoot = process.geteuid?.() === 0;

let dir: string;
let tcz: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mkbundle-sqfs-user-'));
  await chmod(dir, 0o755);
  await buildSourceTree(join(dir, 'tree'));
  tcz = join(dir, 'tree.tcz');
  await mksquashfs(join(dir, 'tree'), tcz, [
    '-comp',
    'gzip',
    '-b',
    '4096',
    '-p',
    'dev/null0 c 0666 0 0 1 3',
    '-p',
    'usr/local/bin/lscpu m 0755 1001 50',
  ]);
  await chmod(tcz, 0o644);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function asUser<T>(work: (dest: string) => Promise<T>): Promise<T> {
  const parent = await mkdtemp(join(dir, 'box-'));
  if (isRoot) await chown(parent, NOBODY, NOBODY);
  if (isRoot) {
    process.setegid?.(NOBODY);
    process.seteuid?.(NOBODY);
  }
  try {
    return await work(join(parent, 'dest'));
  } finally {
    if (isRoot) {
      process.seteuid?.(0);
      process.setegid?.(0);
    }
  }
}

it('fails clearly when asked to create a device node without root', async () => {
  await asUser(async (dest) => {
    const image = await SquashfsImage.open(tcz);
    try {
      await expect(image.extract(dest, { allowDevices: true })).rejects.toThrow(
        `${tcz}: 'dev/null0': cannot create character device '${dest}/dev/null0' (Operation not permitted; creating device nodes needs root)`,
      );
      // The fifo before it needs no privilege.
      expect((await lstat(join(dest, 'dev/fifo0'))).isFIFO()).toBe(true);
    } finally {
      await image.close();
    }
  });
});

it('keeps its own ownership and the image modes, setuid included', async () => {
  const user = isRoot ? NOBODY : process.geteuid?.();
  const { lscpu, su, content } = await asUser(async (dest) => {
    const image = await SquashfsImage.open(tcz);
    try {
      await image.extract(dest, { paths: ['usr/local/bin', 'bin/su'] });
    } finally {
      await image.close();
    }
    return {
      lscpu: await lstat(join(dest, 'usr/local/bin/lscpu')),
      su: await lstat(join(dest, 'bin/su')),
      content: await readFile(join(dest, 'usr/local/bin/lscpu')),
    };
  });
  expect(lscpu.uid).toBe(user);
  expect(lscpu.mode & 0o7777).toBe(0o755);
  expect(su.uid).toBe(user);
  expect(su.mode & 0o7777).toBe(0o4755);
  expect(content.length).toBe(5000);
});
