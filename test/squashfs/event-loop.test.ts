import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SquashfsImage } from '../../src/squashfs/index.js';
import { mixedContent } from './helpers/bytes.js';
import { mksquashfs } from './helpers/fixture.js';

const SIZE = 24 * 1024 * 1024;
let dir: string;
let image: SquashfsImage;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mkbundle-sqfs-loop-'));
  await mkdir(join(dir, 'tree'));
  await writeFile(join(dir, 'tree/big'), mixedContent(SIZE, 3));
  await mksquashfs(join(dir, 'tree'), join(dir, 'big.tcz'), ['-comp', 'gzip', '-b', '4096']);
  image = await SquashfsImage.open(join(dir, 'big.tcz'));
});

afterAll(async () => {
  await image?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Runs `work` under a 1 ms interval; returns the longest gap between ticks and the tick count. */
async function gaps(work: () => Promise<unknown>): Promise<{ maxGap: number; ticks: number }> {
  let last = performance.now();
  let maxGap = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
    ticks++;
  }, 1);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return { maxGap: Math.max(maxGap, performance.now() - last), ticks };
}

it.each([
  ['readFile', () => image.readFile('big').then((data) => expect(data.length).toBe(SIZE))],
  [
    'createReadStream',
    async () => {
      let total = 0;
      for await (const chunk of image.createReadStream('big')) total += (chunk as Buffer).length;
      expect(total).toBe(SIZE);
    },
  ],
  ['extract', () => image.extract(join(dir, 'out')).then((r) => expect(r.bytes).toBe(SIZE))],
])('%s of a 24 MiB file keeps the event loop ticking', async (_label, work) => {
  const { maxGap, ticks } = await gaps(work);
  console.log(`${_label}: ${ticks} ticks, longest gap ${maxGap.toFixed(1)} ms`);
  expect(ticks).toBeGreaterThan(10);
  expect(maxGap).toBeLessThan(50);
});
