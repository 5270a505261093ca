import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SquashfsError } from '../../src/errors.js';
import { SquashfsImage } from '../../src/squashfs/index.js';
import { mixedContent, pseudoRandom } from './helpers/bytes.js';
import { type Fixture, makeFixture, mksquashfs } from './helpers/fixture.js';

let fixture: Fixture;
let image: SquashfsImage;

beforeAll(async () => {
  fixture = await makeFixture();
  image = await SquashfsImage.open(fixture.tcz);
});

afterAll(async () => {
  await image?.close();
  await fixture?.cleanup();
});

async function openFails(path: string): Promise<string> {
  const error = await SquashfsImage.open(path).then(
    () => {
      throw new Error(`${path} opened`);
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SquashfsError);
  return (error as SquashfsError).message;
}

async function writeImage(name: string, data: Buffer): Promise<string> {
  const path = join(fixture.dir, name);
  await writeFile(path, data);
  return path;
}

function streamError(img: SquashfsImage, path: string): Promise<unknown> {
  return new Promise((resolve) => {
    const stream = img.createReadStream(path);
    stream.on('error', resolve);
    stream.on('end', () => resolve(new Error('stream ended without error')));
    stream.resume();
  });
}

describe('unreadable images', () => {
  it('an image cut in half is truncated', async () => {
    const whole = await readFile(fixture.tcz);
    const half = await writeImage('half.tcz', whole.subarray(0, whole.length >> 1));
    expect(await openFails(half)).toBe(
      `${half}: truncated or corrupt (image is ${whole.length >> 1} bytes, superblock says ${image.superblock.bytesUsed})`,
    );
  });

  it('an image cut to 100 bytes is truncated', async () => {
    const cut = await writeImage('cut.tcz', (await readFile(fixture.tcz)).subarray(0, 100));
    expect(await openFails(cut)).toBe(
      `${cut}: truncated or corrupt (image is 100 bytes, superblock says ${image.superblock.bytesUsed})`,
    );
  });

  it('an image cut inside the superblock is truncated', async () => {
    const cut = await writeImage('tiny.tcz', (await readFile(fixture.tcz)).subarray(0, 50));
    expect(await openFails(cut)).toBe(`${cut}: truncated or corrupt (image is 50 bytes, shorter than a superblock)`);
  });

  it('garbage and empty files are not squashfs images', async () => {
    const garbage = await writeImage('garbage.tcz', pseudoRandom(64 * 1024, 99));
    expect(await openFails(garbage)).toBe(`${garbage}: not a squashfs image`);
    const empty = await writeImage('empty.tcz', Buffer.alloc(0));
    expect(await openFails(empty)).toBe(`${empty}: not a squashfs image`);
  });

  it('a missing file or a directory cannot be opened', async () => {
    const missing = join(fixture.dir, 'missing.tcz');
    expect(await openFails(missing)).toBe(`${missing}: cannot open image (No such file or directory)`);
    expect(await openFails(fixture.dir)).toBe(`${fixture.dir}: not a regular file`);
  });

  it('an lzo image names the compressor libsquashfs lacks', async () => {
    expect(await openFails(fixture.lzo)).toBe(`${fixture.lzo}: unsupported compressor lzo`);
  });

  it('a damaged inode table fails at open', async () => {
    const data = Buffer.from(await readFile(fixture.tcz));
    const inodeTable = Number(data.readBigUInt64LE(64));
    pseudoRandom(64, 5).copy(data, inodeTable);
    const damaged = await writeImage('inodes.tcz', data);
    expect(await openFails(damaged)).toMatch(new RegExp(`^${damaged}: truncated or corrupt \\(`));
  });

  it('a damaged data block fails the read that needs it, naming the file', async () => {
    const source = join(fixture.dir, 'one-file');
    await mkdir(source);
    await writeFile(join(source, 'big'), mixedContent(256 * 1024, 42));
    const clean = join(fixture.dir, 'one-file.sqfs');
    await mksquashfs(source, clean, ['-comp', 'gzip', '-b', '4096', '-no-fragments']);
    const data = Buffer.from(await readFile(clean));
    pseudoRandom(256, 7).copy(data, 96 + 40 * 1024);
    const damaged = await writeImage('damaged.sqfs', data);
    const img = await SquashfsImage.open(damaged);
    try {
      const message = `${damaged}: 'big': truncated or corrupt (data block: decompression failed)`;
      await expect(img.readFile('big')).rejects.toThrow(message);
      const error = await streamError(img, 'big');
      expect(error).toBeInstanceOf(SquashfsError);
      expect((error as Error).message).toBe(message);
      await expect(img.extract(join(fixture.dir, 'damaged-out'))).rejects.toThrow(message);
      // No half-written file is left behind.
      await expect(stat(join(fixture.dir, 'damaged-out', 'big'))).rejects.toThrow(/ENOENT/);
    } finally {
      await img.close();
    }
  });
});

describe('bad paths', () => {
  it('name the path that is not in the image', async () => {
    const message = `${fixture.tcz}: 'usr/bin/nope': no such file in image`;
    await expect(image.readFile('usr/bin/nope')).rejects.toThrow(message);
    await expect(image.stat('usr/bin/nope')).rejects.toThrow(message);
    await expect(image.list('usr/bin/nope')).rejects.toThrow(message);
    expect(((await streamError(image, 'usr/bin/nope')) as Error).message).toBe(message);
  });

  it('say what a non-file is', async () => {
    await expect(image.readFile('usr/local')).rejects.toThrow(
      `${fixture.tcz}: 'usr/local': is a directory, not a regular file`,
    );
    await expect(image.readFile('bin/sh')).rejects.toThrow(
      `${fixture.tcz}: 'bin/sh': is a symlink, not a regular file`,
    );
    await expect(image.readFile('dev/null0')).rejects.toThrow(
      `${fixture.tcz}: 'dev/null0': is a chardev, not a regular file`,
    );
    await expect(image.stat('etc/motd/x')).rejects.toThrow(`${fixture.tcz}: 'etc/motd': not a directory in image`);
  });

  it('refuse .. and NUL', async () => {
    await expect(image.readFile('../etc/passwd')).rejects.toThrow(
      `${fixture.tcz}: ../etc/passwd: '..' is not allowed in image paths`,
    );
    await expect(image.extract(join(fixture.dir, 'x'), { paths: ['usr/../..'] })).rejects.toThrow(SquashfsError);
    await expect(image.stat('a\0b')).rejects.toThrow(/NUL in image path/);
  });
});

describe('closing', () => {
  it('rejects every call after close, and close is idempotent', async () => {
    const img = await SquashfsImage.open(fixture.tcz);
    await img.close();
    await img.close();
    const message = `${fixture.tcz}: image is closed`;
    await expect(img.readFile('etc/motd')).rejects.toThrow(message);
    await expect(img.stat('etc/motd')).rejects.toThrow(message);
    await expect(img.list()).rejects.toThrow(message);
    await expect(img.extract(join(fixture.dir, 'closed'))).rejects.toThrow(message);
    const error = await streamError(img, 'etc/motd');
    expect(error).toBeInstanceOf(SquashfsError);
    expect((error as Error).message).toBe(message);
  });

  it('lets calls already running finish', async () => {
    const img = await SquashfsImage.open(fixture.tcz);
    const reading = img.readFile('usr/local/sbin/sfdisk');
    await img.close();
    expect((await reading).equals(fixture.sourceModel.get('usr/local/sbin/sfdisk')?.content as Buffer)).toBe(true);
  });

  it('fails a stream part-way through when the image closes under it', async () => {
    const img = await SquashfsImage.open(fixture.tcz);
    const stream = img.createReadStream('usr/local/sbin/sfdisk');
    const first = await new Promise<Buffer>((resolve) => stream.once('data', resolve));
    stream.pause();
    await img.close();
    const failed = new Promise<unknown>((resolve) => stream.on('error', resolve));
    stream.resume();
    expect(first.length).toBeGreaterThan(0);
    expect(((await failed) as Error).message).toBe(`${fixture.tcz}: image is closed`);
  });
});
