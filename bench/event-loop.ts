/**
 * Event-loop responsiveness while the squashfs binding works: the longest gap
 * between ticks of a 1 ms interval during readFile, createReadStream and
 * extract of one large file, as a ratio to the longest gap of the same
 * interval over an idle wait of the same length (the baseline, measured in
 * the same process right before).
 *
 *   npm run build && node dist/bench/event-loop.js [--mb 24] [--rounds 5]
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs, promisify } from 'node:util';
import { SquashfsImage } from '../src/squashfs/index.js';
import { median } from './lib/measure.js';

/** Longest gap (ms) between ticks of a 1 ms interval while `work` runs, and how long it ran. */
async function longestGap(work: () => Promise<unknown>): Promise<{ gapMs: number; ranMs: number }> {
  const start = performance.now();
  let last = start;
  let gapMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    gapMs = Math.max(gapMs, now - last);
    last = now;
  }, 1);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  const end = performance.now();
  return { gapMs: Math.max(gapMs, end - last), ranMs: end - start };
}

/** Deterministic, partly compressible bytes. */
function content(size: number): Buffer {
  const out = Buffer.alloc(size);
  let x = 2463534242;
  for (let i = 0; i + 4 <= size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.writeUInt32LE(i % 8192 < 4096 ? x >>> 0 : i >>> 12, i);
  }
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { mb: { type: 'string', default: '24' }, rounds: { type: 'string', default: '5' } },
  });
  const size = Number(values.mb) * 1024 * 1024;
  const rounds = Number(values.rounds);
  const dir = await mkdtemp(join(tmpdir(), 'mkbundle-bench-loop-'));
  try {
    await mkdir(join(dir, 'tree'));
    await writeFile(join(dir, 'tree/big'), content(size));
    await promisify(execFile)('mksquashfs', [
      join(dir, 'tree'),
      join(dir, 'big.tcz'),
      '-comp',
      'gzip',
      '-b',
      '4096',
      '-noappend',
      '-quiet',
    ]);
    const image = await SquashfsImage.open(join(dir, 'big.tcz'));
    const kinds: Record<string, (round: number) => Promise<unknown>> = {
      readFile: () => image.readFile('big'),
      createReadStream: async () => {
        for await (const _chunk of image.createReadStream('big'));
      },
      extract: (round) => image.extract(join(dir, `out-${round}`)),
    };
    console.log(`${values.mb} MiB file, ${rounds} rounds; longest tick gap, median`);
    for (const [name, work] of Object.entries(kinds)) {
      const ratios: number[] = [];
      const gaps: number[] = [];
      for (let round = 0; round < rounds; round++) {
        const measured = await longestGap(() => work(round));
        const idle = await longestGap(() => sleep(measured.ranMs));
        gaps.push(measured.gapMs);
        ratios.push(measured.gapMs / idle.gapMs);
      }
      console.log(`${name.padEnd(17)} ${median(gaps).toFixed(1).padStart(6)} ms  ${median(ratios).toFixed(2)}x idle`);
    }
    await image.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
