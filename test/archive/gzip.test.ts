import { createHash } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gzipStream, recompress } from '../../src/archive/gzip.js';
import { sh, useTempDirs } from './helpers.js';

const tempDir = useTempDirs();

async function gzipped(data: Buffer, level?: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(
    Readable.from([data.subarray(0, 1000), data.subarray(1000)]),
    gzipStream(level),
    async (out: AsyncIterable<Buffer>) => {
      for await (const chunk of out) chunks.push(chunk);
    },
  );
  return Buffer.concat(chunks);
}

const text = Buffer.from(Array.from({ length: 5000 }, (_, i) => `line ${i % 97} of the microkernel\n`).join(''));

describe('gzipStream', () => {
  it('writes a fixed header: no name, mtime 0, OS Unix', async () => {
    const out = await gzipped(text);
    expect(out.subarray(0, 10).toString('hex')).toBe('1f8b0800000000000203');
    expect((await gzipped(text, 1)).subarray(0, 10).toString('hex')).toBe('1f8b0800000000000403');
    expect(gunzipSync(out).equals(text)).toBe(true);
  });

  it('is deterministic and matches zlib at the same level', async () => {
    const a = await gzipped(text, 6);
    expect(a.equals(await gzipped(text, 6))).toBe(true);
    expect(a.equals(gzipSync(text, { level: 6 }))).toBe(true);
  });

  it('is read by gzip -t', async () => {
    const root = await tempDir();
    await writeFile(join(root, 'x.gz'), await gzipped(text));
    expect(await sh('gzip -t x.gz && gzip -l x.gz | tail -1 | tr -s " " | cut -d" " -f3', root)).toBe(
      `${text.length}\n`,
    );
  });
});

describe('recompress', () => {
  it('recompresses with advdef when smaller and the content is unchanged, deterministically', async () => {
    const root = await tempDir();
    const results = [];
    for (const name of ['a.gz', 'b.gz']) {
      const path = join(root, name);
      await writeFile(path, gzipSync(text, { level: 1 }));
      results.push(await recompress(path));
      expect(gunzipSync(await readFile(path)).equals(text)).toBe(true);
    }
    expect(results[0]).toMatchObject({ status: 'recompressed' });
    const [first] = results;
    if (first?.status === 'recompressed') expect(first.after).toBeLessThan(first.before);
    expect((await readFile(join(root, 'a.gz'))).equals(await readFile(join(root, 'b.gz')))).toBe(true);
    expect(await sh('ls', root)).toBe('a.gz\nb.gz\n');
  });

  it('says skipped when advdef is missing and leaves the file alone', async () => {
    const root = await tempDir();
    const path = join(root, 'core.gz');
    await writeFile(path, gzipSync(text));
    expect(await recompress(path, { advdef: 'advdef-does-not-exist' })).toEqual({
      status: 'skipped',
      reason: 'advdef-does-not-exist not found (Debian package advancecomp)',
    });
  });

  it('keeps the original when advdef breaks the file or fails', async () => {
    const root = await tempDir();
    const path = join(root, 'core.gz');
    const original = gzipSync(text);
    await writeFile(path, original);
    const breaker = join(root, 'fake-advdef');
    await writeFile(breaker, '#!/bin/sh\nfor f; do :; done\nprintf "\\037\\213\\010\\000garbage" > "$f"\n');
    await chmod(breaker, 0o755);
    expect(await recompress(path, { advdef: breaker })).toMatchObject({
      status: 'kept',
      reason: 'advdef output does not decompress to the same bytes',
    });
    const failing = join(root, 'failing-advdef');
    // What it says is quoted: a terminal title change in its stderr stays text.
    await writeFile(failing, '#!/bin/sh\nprintf "\\033]0;pwned\\007 cannot open file\\n" >&2\nexit 1\n');
    await chmod(failing, 0o755);
    expect(await recompress(path, { advdef: failing })).toMatchObject({
      status: 'kept',
      reason: "advdef failed: '\\u{1b}]0;pwned\\u{7} cannot open file'",
    });
    expect((await readFile(path)).equals(original)).toBe(true);
    expect(await sh('ls', root)).toBe('core.gz\nfailing-advdef\nfake-advdef\n');
  });

  it('keeps the original when advdef cannot make it smaller', async () => {
    const root = await tempDir();
    const path = join(root, 'random.gz');
    // Incompressible but fixed: a SHA-256 chain.
    const blocks = [createHash('sha256').update('seed').digest()];
    while (blocks.length < 128)
      blocks.push(
        createHash('sha256')
          .update(blocks.at(-1) as Buffer)
          .digest(),
      );
    await writeFile(path, gzipSync(Buffer.concat(blocks), { level: 9 }));
    const result = await recompress(path);
    expect(result.status).toBe('kept');
  });
});
