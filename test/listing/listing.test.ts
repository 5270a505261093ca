import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { listTar } from '../../src/listing/entries.js';
import { headFirst } from '../../src/listing/facts.js';
import { sniffFile } from '../../src/listing/sniff.js';
import { rawCpio, useTempDirs } from '../archive/helpers.js';
import { tarGz } from '../world/tarballs.js';
import { makeTcz } from '../world/tinycore-squashfs.js';
import { file } from '../world/tinycore-tree.js';

const tempDir = useTempDirs();
const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const CONTAINERS = (_path: string, head: Buffer) =>
  head.subarray(0, 2).equals(Buffer.from([0x1f, 0x8b])) || head.subarray(0, 4).toString() === 'hsqs';

async function nestedTarball(): Promise<string> {
  const dir = await tempDir();
  const tcz = await makeTcz([file('usr/local/bin/tool', 'tool\n', 0o755)], join(dir, 'work'));
  const cpio = gzipSync(
    rawCpio([
      { name: 'etc', mode: 0o40755 },
      { name: 'etc/motd', mode: 0o100644, data: Buffer.from('hi\n') },
    ]),
  );
  const path = join(dir, 'outer.tar.gz');
  await writeFile(
    path,
    tarGz([
      { type: 'file', path: 'ext/tool.tcz', data: tcz },
      { type: 'file', path: 'core.gz', data: cpio },
      { type: 'file', path: 'notes.gz', data: gzipSync('plain text\n') },
      { type: 'symlink', path: 'link', target: 'core.gz' },
    ]),
  );
  return path;
}

describe('listTar', () => {
  it('lists what containers hold, as OUTER:/INNER, by their content', async () => {
    const listing = await listTar(await nestedTarball(), { nested: CONTAINERS });
    expect([...listing.keys()].sort()).toEqual([
      'core.gz',
      'core.gz:/etc',
      'core.gz:/etc/motd',
      'ext/tool.tcz',
      'ext/tool.tcz:/usr',
      'ext/tool.tcz:/usr/local',
      'ext/tool.tcz:/usr/local/bin',
      'ext/tool.tcz:/usr/local/bin/tool',
      'link',
      'notes.gz',
    ]);
    expect(listing.get('ext/tool.tcz:/usr/local/bin/tool')).toMatchObject({
      kind: 'file',
      mode: 0o755,
      size: 5,
      sha256: sha('tool\n'),
    });
    expect(listing.get('core.gz:/etc/motd')).toMatchObject({ kind: 'file', size: 3, sha256: sha('hi\n') });
    expect(listing.get('link')).toMatchObject({ kind: 'symlink', target: 'core.gz' });
  });

  it('opens nothing unless asked, and hashes decompressed gzip bytes on request', async () => {
    const path = await nestedTarball();
    expect([...(await listTar(path)).keys()].sort()).toEqual(['core.gz', 'ext/tool.tcz', 'link', 'notes.gz']);
    const listing = await listTar(path, { decompressed: true });
    expect(listing.get('notes.gz')?.decompressed).toBe(sha('plain text\n'));
    expect(listing.get('ext/tool.tcz')?.decompressed).toBeUndefined();
  });

  it('stops at maxDepth', async () => {
    const listing = await listTar(await nestedTarball(), { nested: CONTAINERS, maxDepth: 0 });
    expect([...listing.keys()].some((p) => p.includes(':/'))).toBe(false);
  });
});

describe('a cpio inside', () => {
  it('lists device nodes with their numbers', async () => {
    const path = join(await tempDir(), 'dev.tar.gz');
    const cpio = rawCpio([
      { name: 'dev', mode: 0o40755 },
      { name: 'dev/null', mode: 0o20666, rdev: [1, 3] },
    ]);
    await writeFile(path, tarGz([{ type: 'file', path: 'initrd.cpio', data: cpio }]));
    const listing = await listTar(path, { nested: (_path, head) => head.subarray(0, 6).toString() === '070701' });
    expect(listing.get('initrd.cpio:/dev/null')).toMatchObject({ kind: 'chardev', mode: 0o666, device: '1,3' });
  });
});

describe('sniffFile', () => {
  it('tells formats by content, whatever the name', async () => {
    const dir = await tempDir();
    const write = async (name: string, data: Buffer) => {
      await writeFile(join(dir, name), data);
      return sniffFile(join(dir, name));
    };
    expect(await write('a.iso', await makeTcz([file('x', 'x')], join(dir, 'w')))).toEqual({
      format: 'squashfs',
      compression: 'none',
    });
    expect(await write('b.tcz', tarGz([{ type: 'file', path: 'x', data: 'x' }]))).toEqual({
      format: 'tar',
      compression: 'gzip',
    });
    expect(await write('c.tar.gz', gzipSync(rawCpio([])))).toEqual({ format: 'cpio', compression: 'gzip' });
    expect(await write('d.gz', gzipSync('text'))).toEqual({ format: 'unknown', compression: 'gzip' });
    expect(await write('e', Buffer.from('hello'))).toEqual({ format: 'unknown', compression: 'none' });
  });
});

describe('headFirst', () => {
  it('keeps every byte and makes the first chunk long enough to sniff', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 5 }), { maxLength: 10 }),
        fc.integer({ min: 1, max: 9 }),
        async (pieces, min) => {
          async function* source() {
            yield* pieces.map((p) => Buffer.from(p));
          }
          const out: Buffer[] = [];
          for await (const chunk of headFirst(source(), min)) out.push(chunk);
          const all = Buffer.concat(pieces.map((p) => Buffer.from(p)));
          expect(Buffer.concat(out)).toEqual(all);
          if (out[0] !== undefined) expect(out[0].length).toBeGreaterThanOrEqual(Math.min(min, all.length));
        },
      ),
    );
  });
});
