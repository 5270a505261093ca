import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { initrdList } from '../../src/iso/isolinux.js';
import { coreIsoInitrds } from '../../src/tce/core-initrds.js';
import { kernelVersionOfCoreIso } from '../../src/tce/core-kernel.js';

/*
 * A CorePure64-shaped ISO whose isolinux.cfg boots rootfs64.gz and
 * modules64.gz as two initrds (no corepure64.gz): GNU cpio writes both
 * archives, xorriso the ISO; the kernel version is in the second.
 */
const KVER = '6.18.2-tinycore64';
let dir: string;
let iso: string;

async function isoWith(name: string, cfg: string): Promise<string> {
  const tree = join(dir, `${name}-tree`);
  await mkdir(join(tree, 'boot/isolinux'), { recursive: true });
  for (const [file, paths] of [
    ['rootfs64.gz', ['bin', 'etc']],
    ['modules64.gz', [`lib/modules/${KVER}/kernel`]],
  ] as const) {
    const root = join(dir, `${name}-${file}`);
    for (const p of paths) await mkdir(join(root, p), { recursive: true });
    execFileSync('sh', [
      '-c',
      `cd ${root} && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -9 > ${join(tree, 'boot', file)}`,
    ]);
  }
  await writeFile(join(tree, 'boot/vmlinuz64'), 'kernel\n');
  await writeFile(join(tree, 'boot/isolinux/isolinux.cfg'), cfg);
  const out = join(dir, `${name}.iso`);
  execFileSync('xorriso', ['-as', 'mkisofs', '-quiet', '-R', '-o', out, tree]);
  return out;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tce-initrds-'));
  iso = await isoWith(
    'two',
    'default microcore\nlabel microcore\n\tkernel /boot/vmlinuz64\n\tappend initrd=/boot/rootfs64.gz,/boot/modules64.gz quiet\n',
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('a Core ISO booting two initrds', () => {
  it('names them in load order, from isolinux.cfg', async () => {
    const scratch = await mkdtemp(join(dir, 'scratch-'));
    expect(await coreIsoInitrds(iso, 'boot/corepure64.gz', scratch)).toEqual(['boot/rootfs64.gz', 'boot/modules64.gz']);
  });

  it('finds the kernel version in the second', async () => {
    await expect(kernelVersionOfCoreIso(iso, 'boot/corepure64.gz')).resolves.toBe(KVER);
  });

  it('a single initrd in isolinux.cfg means the arch default', async () => {
    const one = await isoWith('one', 'label a\n\tkernel /boot/vmlinuz64\n\tinitrd /boot/modules64.gz\n');
    const scratch = await mkdtemp(join(dir, 'scratch-'));
    expect(await coreIsoInitrds(one, 'boot/corepure64.gz', scratch)).toEqual(['boot/corepure64.gz']);
  });

  it.each(['/boot/../../etc/passwd', '/boot/./rootfs64.gz', '/boot//rootfs64.gz'])(
    'refuses %j among them: not a plain path in the ISO',
    async (name) => {
      const bad = await isoWith('bad', `label a\n\tkernel /boot/vmlinuz64\n\tinitrd ${name},/boot/modules64.gz\n`);
      const scratch = await mkdtemp(join(dir, 'scratch-'));
      await expect(coreIsoInitrds(bad, 'boot/corepure64.gz', scratch)).rejects.toThrow(
        new InputError(`${bad}: boot/isolinux/isolinux.cfg: initrd '${name.slice(1)}' is not a plain path in the ISO`),
      );
    },
  );

  it('initrdList: the comma-separated names, leading slashes and blanks dropped, order kept', () => {
    const name = fc.stringMatching(/^[a-z0-9][a-z0-9._/-]{0,20}$/);
    fc.assert(
      fc.property(fc.array(name, { minLength: 1, maxLength: 5 }), (names) => {
        const value = names.map((n, i) => `${i % 2 === 0 ? '/' : ''}${n}`).join(' , ');
        expect(initrdList(value)).toEqual(names.map((n) => n.replace(/^\/+/, '')));
      }),
    );
  });
});
