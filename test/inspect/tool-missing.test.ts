import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { diff } from '../../src/diff/index.js';
import { ToolMissingError } from '../../src/errors.js';
import { inspect } from '../../src/inspect/index.js';
import { verify } from '../../src/verify/index.js';

// requireTool remembers what it found per process (and this file gets its own
// module graph), so xorriso must be missing from PATH before the first look-up.
const savedPath = process.env.PATH;
let work: string;
let iso: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mkbundle-inspect-notool-'));
  process.env.PATH = join(work, 'empty-bin');
  // What an ISO starts with, by its content: the first volume descriptor at sector 16.
  const bytes = Buffer.alloc(40_000);
  bytes.write('\u0001CD001', 16 * 2048, 'latin1');
  iso = join(work, 'image.bin');
  await writeFile(iso, bytes);
});

afterAll(async () => {
  process.env.PATH = savedPath;
  await rm(work, { recursive: true, force: true });
});

it('an ISO needs xorriso: inspect, verify and diff name its Debian package (exit 6)', async () => {
  const missing = new ToolMissingError('xorriso', 'xorriso');
  expect(missing.exitCode).toBe(6);
  await expect(inspect(iso)).rejects.toThrow(missing);
  await expect(verify(iso)).rejects.toThrow(missing);
  await expect(diff(iso, iso)).rejects.toThrow(missing);
});
