import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SquashfsImage } from '../../src/squashfs/index.js';
import { type Fixture, MKSQUASHFS_COMPRESSORS, makeFixture } from './helpers/fixture.js';
import { BIG_SIZE, diffListing } from './helpers/source-tree.js';

let fixture: Fixture;

beforeAll(async () => {
  fixture = await makeFixture();
});

afterAll(async () => {
  await fixture?.cleanup();
});

async function collect(image: SquashfsImage, path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(
    image.createReadStream(path),
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        callback();
      },
    }),
  );
  return Buffer.concat(chunks);
}

async function withImage<T>(path: string, use: (image: SquashfsImage) => Promise<T>): Promise<T> {
  const image = await SquashfsImage.open(path);
  try {
    return await use(image);
  } finally {
    await image.close();
  }
}

describe('superblock', () => {
  it('reports Tiny Core parameters for a gzip, 4 KiB image', async () => {
    await withImage(fixture.tcz, async (image) => {
      const sb = image.superblock;
      expect(sb.compressor).toBe('gzip');
      expect(sb.blockSize).toBe(4096);
      // 70 tree entries, 3 pseudo devices, minus 2 extra names of hard-linked inodes.
      expect(sb.inodeCount).toBe(fixture.mksquashfsModel.size - 2);
      expect(sb.fragmentCount).toBeGreaterThan(0);
      expect(sb.bytesUsed).toBeGreaterThan(BIG_SIZE);
      expect(sb.mtime).toBeGreaterThan(0);
      expect(image.path).toBe(fixture.tcz);
    });
  });

  it.each(MKSQUASHFS_COMPRESSORS)('names the %s compressor', async (comp) => {
    await withImage(fixture.mksquashfs[comp], async (image) => {
      expect(image.superblock.compressor).toBe(comp);
      expect(image.superblock.blockSize).toBe(4096);
    });
  });

  it('reports a 128 KiB block size', async () => {
    await withImage(fixture.gensquashfsZstd, async (image) => {
      expect(image.superblock).toMatchObject({ compressor: 'zstd', blockSize: 131072 });
    });
  });
});

describe('list', () => {
  it.each(MKSQUASHFS_COMPRESSORS)('lists the whole %s tree as built by mksquashfs', async (comp) => {
    await withImage(fixture.mksquashfs[comp], async (image) => {
      const entries = await image.list();
      expect(diffListing(entries, fixture.mksquashfsModel, { hardLinks: true, nlink: true })).toEqual([]);
    });
  });

  it.each([
    ['gzip, 4 KiB', () => fixture.gensquashfs],
    ['zstd, 128 KiB, no tail packing', () => fixture.gensquashfsZstd],
  ])('lists the tree as built by gensquashfs (%s)', async (_label, image) => {
    await withImage(image(), async (img) => {
      const entries = await img.list();
      // gensquashfs's glob does not detect hard links and counts nlink its own way.
      expect(diffListing(entries, fixture.gensquashfsModel, { hardLinks: false, nlink: false })).toEqual([]);
    });
  });

  it('returns entries sorted by path, root first', async () => {
    await withImage(fixture.tcz, async (image) => {
      const paths = (await image.list()).map((e) => e.path);
      expect(paths[0]).toBe('');
      expect(paths).toEqual([...paths].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    });
  });

  it('lists a subtree, or one level of it', async () => {
    await withImage(fixture.tcz, async (image) => {
      const deep = await image.list('usr/local');
      expect(deep.map((e) => e.path)).toEqual(
        [...fixture.mksquashfsModel.keys()].filter((p) => p === 'usr/local' || p.startsWith('usr/local/')).sort(),
      );
      const shallow = await image.list('/usr/local/', { recursive: false });
      expect(shallow.map((e) => e.path)).toEqual([
        'usr/local',
        'usr/local/bin',
        'usr/local/lib',
        'usr/local/sbin',
        'usr/local/share',
      ]);
    });
  });

  it('reports device numbers, symlink targets and special bits', async () => {
    await withImage(fixture.tcz, async (image) => {
      expect(await image.stat('dev/null0')).toMatchObject({
        kind: 'chardev',
        mode: 0o666,
        rdev: { major: 1, minor: 3 },
      });
      expect(await image.stat('dev/sda1')).toMatchObject({ kind: 'blockdev', gid: 6, rdev: { major: 8, minor: 1 } });
      expect(await image.stat('dev/sock0')).toMatchObject({ kind: 'socket', uid: 5, gid: 6 });
      expect(await image.stat('dev/fifo0')).toMatchObject({ kind: 'fifo', mode: 0o620 });
      expect(await image.stat('usr/local/lib/libfoo.so')).toMatchObject({
        kind: 'symlink',
        target: '/usr/local/lib/libfoo.so.1',
        size: 26,
      });
      expect((await image.stat('bin/su')).mode).toBe(0o4755);
      expect((await image.stat('bin/sg')).mode).toBe(0o2755);
      expect((await image.stat('tmp')).mode).toBe(0o1777);
      const [a, b] = await Promise.all([image.stat('usr/local/bin/lscpu'), image.stat('usr/local/bin/lscpu-link')]);
      expect(a.inode).toBe(b.inode);
      expect(a.nlink).toBe(2);
      expect(a).toMatchObject({ uid: 1001, gid: 50 });
    });
  });
});

describe('readFile and createReadStream', () => {
  const images = () => [
    ...MKSQUASHFS_COMPRESSORS.map((comp) => fixture.mksquashfs[comp]),
    fixture.gensquashfs,
    fixture.gensquashfsZstd,
  ];

  it('reproduce every file of the source tree byte for byte, in every image', async () => {
    const files = [...fixture.sourceModel].filter(([, e]) => e.kind === 'file');
    expect(files.length).toBeGreaterThan(40);
    for (const path of images()) {
      await withImage(path, async (image) => {
        for (const [file, want] of files) {
          const [whole, streamed] = await Promise.all([image.readFile(file), collect(image, file)]);
          expect(whole.equals(want.content as Buffer), `${path}: readFile ${file}`).toBe(true);
          expect(streamed.equals(want.content as Buffer), `${path}: stream ${file}`).toBe(true);
        }
      });
    }
  });

  it('streams a many-block file in bounded chunks', async () => {
    await withImage(fixture.tcz, async (image) => {
      const sizes: number[] = [];
      await pipeline(
        image.createReadStream('usr/local/sbin/sfdisk'),
        new Writable({
          highWaterMark: 1,
          write(chunk: Buffer, _encoding, callback) {
            sizes.push(chunk.length);
            setImmediate(callback);
          },
        }),
      );
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(BIG_SIZE);
      expect(sizes.length).toBeGreaterThan(4);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(64 * 1024);
    });
  });

  it('serves many overlapping calls on one image', async () => {
    await withImage(fixture.tcz, async (image) => {
      const files = [...fixture.sourceModel].filter(([, e]) => e.kind === 'file');
      const results = await Promise.all(
        files.flatMap(([path, want]) => [
          image.readFile(path).then((data) => data.equals(want.content as Buffer)),
          collect(image, path).then((data) => data.equals(want.content as Buffer)),
          image.stat(path).then((entry) => entry.size === want.size),
        ]),
      );
      expect(results.every(Boolean)).toBe(true);
      expect((await image.list()).length).toBe(fixture.mksquashfsModel.size);
    });
  });

  it('accepts equivalent spellings of a path', async () => {
    await withImage(fixture.tcz, async (image) => {
      const want = fixture.sourceModel.get('usr/local/bin/lscpu')?.content as Buffer;
      expect((await image.readFile('/usr/local/bin/lscpu')).equals(want)).toBe(true);
      expect((await image.readFile('./usr//local/bin/lscpu')).equals(want)).toBe(true);
      expect((await image.stat('/')).path).toBe('');
    });
  });
});
