import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { binding } from '../../src/squashfs/binding.js';
import { SquashfsImage } from '../../src/squashfs/index.js';
import { mixedContent } from './helpers/bytes.js';
import { mksquashfs } from './helpers/fixture.js';
import { exposeGc } from './helpers/gc.js';

let dir: string;
let tcz: string;
const content = mixedContent(5000, 11);
const gc = exposeGc();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mkbundle-sqfs-leak-'));
  await mkdir(join(dir, 'tree/usr/local/bin'), { recursive: true });
  await writeFile(join(dir, 'tree/usr/local/bin/lscpu'), content);
  tcz = join(dir, 'small.tcz');
  await mksquashfs(join(dir, 'tree'), tcz, ['-comp', 'gzip', '-b', '4096']);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function settle(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await sleep(20);
  }
  return process.memoryUsage().rss;
}

async function cycle(): Promise<void> {
  const image = await SquashfsImage.open(tcz);
  const data = await image.readFile('usr/local/bin/lscpu');
  await image.close();
  if (!data.equals(content)) throw new Error('content mismatch');
}

it('10,000 open/readFile/close cycles do not grow memory', async () => {
  for (let i = 0; i < 1000; i++) await cycle();
  const before = await settle();
  for (let i = 0; i < 9000; i++) await cycle();
  const after = await settle();
  const grownMiB = (after - before) / 1024 / 1024;
  console.log(
    `RSS after 1,000 cycles ${(before / 1048576).toFixed(1)} MiB, after 10,000 ${(after / 1048576).toFixed(1)} MiB`,
  );
  expect(grownMiB).toBeLessThan(10);
  expect(binding().liveObjects()).toMatchObject({ images: 0, readers: 0 });
}, 60_000);

it('frees images that were never closed once they are garbage', async () => {
  const opened = await Promise.all(Array.from({ length: 50 }, () => SquashfsImage.open(tcz)));
  await Promise.all(opened.map((image) => image.readFile('usr/local/bin/lscpu')));
  expect(binding().liveObjects().images).toBe(50);
  opened.length = 0;
  await settle();
  expect(binding().liveObjects()).toMatchObject({ images: 0, readers: 0 });
});
