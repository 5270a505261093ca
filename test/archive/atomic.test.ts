import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileAtomically } from '../../src/archive/atomic.js';
import { ArchiveError, InputError } from '../../src/errors.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mkbundle-atomic-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function* failingAfter(chunks: number, error: Error): AsyncGenerator<Buffer> {
  for (let i = 0; i < chunks; i++) yield Buffer.alloc(64 * 1024, i);
  throw error;
}

describe('writeFileAtomically', () => {
  it('replaces the file whole', async () => {
    const dest = join(root, 'whole');
    await writeFile(dest, 'earlier');
    await writeFileAtomically(dest, Readable.from([Buffer.from('new')]));
    expect(await readFile(dest, 'utf8')).toBe('new');
    expect(await readdir(root)).toEqual(['whole']);
  });

  it("passes the source's own error on unchanged and keeps the earlier file", async () => {
    const dir = join(root, 'source-fails');
    await mkdir(dir);
    const dest = join(dir, 'out.tar');
    await writeFile(dest, 'earlier');
    const error = new ArchiveError('overlay: bad entry');
    await expect(writeFileAtomically(dest, Readable.from(failingAfter(3, error)))).rejects.toBe(error);
    expect(await readFile(dest, 'utf8')).toBe('earlier');
    expect(await readdir(dir)).toEqual(['out.tar']);
  });

  it('a destination that cannot be written is an InputError naming it, with the reason', async () => {
    const dest = join(root, 'missing-dir', 'out.tar');
    const error = await writeFileAtomically(dest, Readable.from([Buffer.from('x')])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe(`cannot write ${dest}: no such file or directory`);
  });

  it('a directory under the final name: an InputError, the directory as it was, no temp file', async () => {
    const dir = join(root, 'dir-in-the-way');
    const dest = join(dir, 'out.tar');
    await mkdir(join(dest, 'inside'), { recursive: true });
    await expect(writeFileAtomically(dest, Readable.from([Buffer.from('x')]))).rejects.toThrow(
      new InputError(`cannot write ${dest}: is a directory`),
    );
    expect(await readdir(dir)).toEqual(['out.tar']);
    expect(await readdir(dest)).toEqual(['inside']);
  });
});
