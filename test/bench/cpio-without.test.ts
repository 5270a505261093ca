import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cpioWithout } from '../../bench/lib/cpio-without.js';
import { cpioStream } from '../../src/archive/cpio-write.js';
import { dir, file, sh, useTempDirs } from '../archive/helpers.js';

const tempDir = useTempDirs();

async function archive(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const entries = [dir('usr'), file('usr/a', 'first'), file('usr/manifest', 'x'.repeat(37)), file('usr/b', 'last')];
  for await (const chunk of cpioStream(entries)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('cpioWithout', () => {
  it('cuts one record out, and GNU cpio reads the rest as they were', async () => {
    const root = await tempDir();
    const cut = cpioWithout(await archive(), 'usr/manifest');
    await writeFile(join(root, 'cut.cpio'), cut);
    expect(await sh('cpio -it --quiet < cut.cpio', root)).toBe('usr\nusr/a\nusr/b\n');
    await sh('mkdir out && cd out && cpio -id --quiet < ../cut.cpio', root);
    expect(await sh('cat out/usr/a out/usr/b', root)).toBe('firstlast');
  });

  it('names a record the archive lacks', async () => {
    expect(() => cpioWithout(Buffer.from([]), 'usr/manifest')).toThrow('the cpio archive has no usr/manifest');
    const whole = await archive();
    expect(() => cpioWithout(whole, 'usr/c')).toThrow('the cpio archive has no usr/c');
  });
});
