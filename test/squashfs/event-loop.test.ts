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

/**
 * Counts event-loop turns (setImmediate chains) while `work` runs. Work done
 * on the main thread would let none through until it finished; how long the
 * gaps are is measured in bench/event-loop.ts, not asserted here.
 */
async function turnsDuring(work: () => Promise<unknown>): Promise<number> {
  let turns = 0;
  let running = true;
  const spin = () => {
    if (!running) return;
    turns++;
    setImmediate(spin);
  };
  setImmediate(spin);
  try {
    await work();
  } finally {
    running = false;
  }
  return turns;
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
])('%s of a 24 MiB file lets the event loop turn', async (_label, work) => {
  expect(await turnsDuring(work)).toBeGreaterThan(10);
});
