import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isoTree, listIso } from '../../src/listing/iso.js';
import { parseLsdl, permissionBits } from '../../src/listing/xorriso-ls.js';
import { useTempDirs } from '../archive/helpers.js';

const tempDir = useTempDirs();

/** An ISO xorriso makes of a tree with names a shell would need to quote. */
async function oddIso(): Promise<string> {
  const dir = await tempDir();
  const tree = join(dir, 'tree');
  await mkdir(join(tree, 'd'), { recursive: true });
  await writeFile(join(tree, "it's here"), 'x');
  await writeFile(join(tree, 'new\nline'), 'yy');
  await writeFile(join(tree, 'd', 'suid'), 'zzz');
  await chmod(join(tree, 'd', 'suid'), 0o4755);
  await symlink("../it's here", join(tree, 'd', 'link'));
  execFileSync('mkfifo', [join(tree, 'fifo')]);
  const iso = join(dir, 'odd.iso');
  execFileSync('xorriso', ['-no_rc', '-outdev', iso, '-map', tree, '/'], { stdio: 'ignore' });
  return iso;
}

describe("xorriso's tree listing", () => {
  it('reads every entry of a real ISO: quotes, newlines, links, modes', async () => {
    const tree = await isoTree(await oddIso());
    const byPath = Object.fromEntries(tree.map(({ path, ...rest }) => [path, rest]));
    expect(Object.keys(byPath).sort()).toEqual(['', 'd', 'd/link', 'd/suid', 'fifo', "it's here", 'new\nline']);
    expect(byPath["it's here"]).toEqual({ kind: 'file', mode: 0o644, uid: 0, gid: 0, size: 1 });
    expect(byPath['new\nline']).toMatchObject({ kind: 'file', size: 2 });
    expect(byPath['d/suid']).toMatchObject({ kind: 'file', mode: 0o4755, size: 3 });
    expect(byPath['d/link']).toMatchObject({ kind: 'symlink', target: "../it's here" });
    expect(byPath.fifo).toMatchObject({ kind: 'fifo' });
    expect(byPath.d).toMatchObject({ kind: 'dir', mode: 0o755 });
  });

  it('hashes the files from a copy of the tree', async () => {
    const listing = await listIso(await oddIso());
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    expect(listing.get('new\nline')).toMatchObject({ size: 2, sha256: sha('yy') });
    expect(listing.get('d/suid')).toMatchObject({ sha256: sha('zzz') });
    expect(listing.has('')).toBe(false);
  });

  it('reads device numbers, the boot catalog and skips lines that are no entry', () => {
    const text = [
      "crw-r--r--    1 0        0             1,3 Dec  2 06:13 '/dev/null'",
      'xorriso : NOTE : not an entry',
      "er--r--r--    1 0        0            2048 Mar  1  2012 '/boot/isolinux/boot.cat'",
      "drwxrwxrwt    1 1000     50              0 Dec  2 06:13 '/tmp'",
      '',
    ].join('\n');
    expect(parseLsdl(text)).toEqual([
      { path: 'dev/null', kind: 'chardev', mode: 0o644, uid: 0, gid: 0, size: 0, device: '1,3' },
      { path: 'boot/isolinux/boot.cat', kind: 'file', mode: 0o444, uid: 0, gid: 0, size: 2048 },
      { path: 'tmp', kind: 'dir', mode: 0o1777, uid: 1000, gid: 50, size: 0 },
    ]);
  });

  it('turns ls permission strings into mode bits', () => {
    expect(permissionBits('rwxr-xr-x')).toBe(0o755);
    expect(permissionBits('rwsr-sr-T')).toBe(0o7754);
    expect(permissionBits('rwSr--r--')).toBe(0o4644);
    expect(permissionBits('---------')).toBe(0);
  });
});
