import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SquashfsError } from '../../src/errors.js';
import { SquashfsImage } from '../../src/squashfs/index.js';
import { mksquashfs } from './helpers/fixture.js';
import { buildSourceTree } from './helpers/source-tree.js';

let dir: string;
let tcz: string;
let counter = 0;

// Uncompressed metadata, so entry names can be patched in place; fixed times
// make the image byte-for-byte reproducible.
const RAW = ['-noI', '-noD', '-noF', '-noX', '-all-time', '1600000000', '-mkfs-time', '1600000000'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mkbundle-sqfs-hostile-'));
  await buildSourceTree(join(dir, 'tree'));
  tcz = join(dir, 'tree.tcz');
  await mksquashfs(join(dir, 'tree'), tcz, ['-comp', 'gzip', '-b', '4096', '-p', 'dev/null0 c 0666 0 0 1 3']);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function fresh(label: string): string {
  return join(dir, `${label}-${counter++}`);
}

async function extract(image: string, dest: string, paths?: string[]) {
  const img = await SquashfsImage.open(image);
  try {
    return await img.extract(dest, { allowDevices: true, ...(paths ? { paths } : {}) });
  } finally {
    await img.close();
  }
}

/** Builds an image from `files` (path -> content, or a symlink target via `link`) and patches names in it. */
async function craft(
  files: Record<string, string | { link: string }>,
  patches: [string, string][] = [],
): Promise<string> {
  const source = fresh('src');
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(source, path, '..'), { recursive: true });
    if (typeof content === 'string') await writeFile(join(source, path), content);
    else await symlink(content.link, join(source, path));
  }
  const image = `${source}.sqfs`;
  await mksquashfs(source, image, RAW);
  const data = await readFile(image);
  for (const [from, to] of patches) {
    const needle = Buffer.from(from);
    const at = data.indexOf(needle);
    // The name must occur once (in its directory entry) for the patch to mean anything.
    expect(at, `${from} in ${image}`).toBeGreaterThan(0);
    expect(data.indexOf(needle, at + 1), `${from} twice in ${image}`).toBe(-1);
    Buffer.from(to, 'latin1').copy(data, at);
  }
  await writeFile(image, data);
  return image;
}

describe('a destination symlink is never followed', () => {
  it('refuses a symlinked directory already in the destination', async () => {
    const dest = fresh('dest');
    const outside = fresh('outside');
    await mkdir(dest);
    await mkdir(outside);
    await symlink(outside, join(dest, 'usr'));
    await expect(extract(tcz, dest, ['usr/local/bin/lscpu'])).rejects.toThrow(
      `${tcz}: 'usr': refusing to follow symlink '${dest}/usr' in destination`,
    );
    await expect(extract(tcz, dest)).rejects.toThrow(SquashfsError);
    expect(await readdir(outside)).toEqual([]);
  });

  it('refuses a symlink deeper in the path too', async () => {
    const dest = fresh('dest');
    const outside = fresh('outside');
    await mkdir(join(dest, 'usr'), { recursive: true });
    await mkdir(outside);
    await symlink('../../outside', join(dest, 'usr/local'));
    await expect(extract(tcz, dest, ['usr/local/bin/lscpu'])).rejects.toThrow(
      `${tcz}: 'usr/local': refusing to follow symlink '${dest}/usr/local' in destination`,
    );
    expect(await readdir(outside)).toEqual([]);
  });

  it('refuses to go through a symlink an earlier image put there', async () => {
    const dest = fresh('dest');
    const outside = fresh('outside');
    await mkdir(outside);
    const absolute = await craft({ usr: { link: outside }, 'lib/x': 'x' });
    const relative = await craft({ etc: { link: `../../../../../../..${outside}` } });
    await extract(absolute, dest);
    await extract(relative, dest);
    await expect(extract(tcz, dest, ['usr/local/bin/lscpu'])).rejects.toThrow(
      `${tcz}: 'usr': refusing to follow symlink '${dest}/usr' in destination`,
    );
    await expect(extract(tcz, dest, ['etc/motd'])).rejects.toThrow(
      `${tcz}: 'etc': refusing to follow symlink '${dest}/etc' in destination`,
    );
    expect(await readdir(outside)).toEqual([]);
  });
});

describe('hostile entry names are refused', () => {
  const cases: [string, string, string, RegExp][] = [
    ["'..'", 'Qz', '..', /: '\.\.': unsafe entry name '\.\.' in image$/],
    ["'.'", 'P', '.', /: '\.': unsafe entry name '\.' in image$/],
    ['containing /', 'Qz', 'a/', /: 'a\/': unsafe entry name 'a\/' in image$/],
    ['containing NUL', 'Qz', 'Q\0', /: 'Q\\u\{0\}': unsafe entry name 'Q\\u\{0\}' in image$/],
    // Quoted in the message: ESC as \u{1b}, bytes that are not UTF-8 (a lone C1 byte, 0xff) as \xHH.
    [
      'containing / among terminal controls',
      'Qzzzz',
      '\x1b]/\x9b\xff',
      /: '\\u\{1b\}\]\/\\x9b\\xff': unsafe entry name '\\u\{1b\}\]\/\\x9b\\xff' in image$/,
    ],
  ];

  it.each(cases)('%s', async (_label, from, to, message) => {
    const image = await craft({ [`${from}/payload`]: 'pwned\n', 'ok/file': 'fine\n' }, [[from, to]]);
    const dest = join(fresh('box'), 'dest');
    await mkdir(dest, { recursive: true });
    const img = await SquashfsImage.open(image);
    try {
      await expect(img.list()).rejects.toThrow(message);
      await expect(img.extract(dest)).rejects.toThrow(message);
    } finally {
      await img.close();
    }
    // Nothing escaped into the destination's parent.
    expect(await readdir(join(dest, '..'))).toEqual(['dest']);
  });

  it('a second entry of the same name (symlink, then directory)', async () => {
    const outside = fresh('outside');
    await mkdir(outside);
    const image = await craft({ Qa: { link: outside }, 'Qb/payload': 'pwned\n' }, [['Qb', 'Qa']]);
    const dest = fresh('dest');
    await expect(extract(image, dest)).rejects.toThrow(`${image}: 'Qa': truncated or corrupt (duplicate entry name)`);
    expect(await readdir(outside)).toEqual([]);
  });
});
