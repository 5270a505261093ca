import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256File } from '../../src/hash.js';
import { buildIso } from '../../src/iso/build.js';
import { prepareIsoTree } from '../../src/iso/tree.js';

const X86_64 = { kernel: 'boot/vmlinuz64', initrd: 'boot/corepure64.gz' } as const;

let work: string;

/** A small CorePure64-shaped ISO: fake kernel and initramfs (or `initrds`), the real isolinux.bin, a given isolinux.cfg. */
async function coreIso(name: string, cfg: string, initrds: readonly string[] = [X86_64.initrd]): Promise<string> {
  const tree = join(work, `${name}-tree`);
  await mkdir(join(tree, 'boot', 'isolinux'), { recursive: true });
  await writeFile(join(tree, X86_64.kernel), 'kernel 64');
  for (const initrd of initrds) await writeFile(join(tree, initrd), `core initramfs ${initrd}`);
  await copyFile('/usr/lib/ISOLINUX/isolinux.bin', join(tree, 'boot', 'isolinux', 'isolinux.bin'));
  await writeFile(join(tree, 'boot', 'isolinux', 'isolinux.cfg'), cfg);
  await writeFile(join(tree, 'boot', 'isolinux', 'boot.msg'), 'hello\n');
  const iso = join(work, `${name}.iso`);
  await execa('xorriso', [
    ...['-no_rc', '-as', 'mkisofs', '-quiet', '-l', '-J', '-R', '-no-emul-boot', '-boot-load-size', '4'],
    ...['-boot-info-table', '-b', 'boot/isolinux/isolinux.bin', '-c', 'boot/isolinux/boot.cat', '-o', iso, tree],
  ]);
  return iso;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mkbundle-iso-tree-'));
  await chmod(work, 0o755);
  await writeFile(join(work, 'new-core.gz'), 'the new initramfs');
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('the ISO tree', () => {
  it('is laid out for an x86_64 Core ISO', async () => {
    const iso = await coreIso('pure64', 'default microcore\ntimeout 300\n');
    const dir = join(work, 'pure64-new');
    const tree = await prepareIsoTree(dir, {
      coreIso: iso,
      boot: X86_64,
      initramfs: join(work, 'new-core.gz'),
      version: '2.0',
      buildTime: new Date(0),
      license: join(work, 'new-core.gz'),
    });
    expect(tree.warnings).toEqual([]);
    expect(tree.copyrightFile).toBe('LICENSE');
    expect((await readdir(dir)).sort()).toEqual(['LICENSE', 'boot', 'iso-metadata.yaml']);
    // The stale boot catalog is gone; xorriso writes a new one.
    expect((await readdir(join(dir, 'boot', 'isolinux'))).sort()).toEqual(['boot.msg', 'isolinux.bin', 'isolinux.cfg']);
    expect(await readFile(join(dir, X86_64.initrd), 'utf8')).toBe('the new initramfs');
    expect(await readFile(join(dir, 'boot', 'isolinux', 'isolinux.cfg'), 'utf8')).toBe(
      'default microcore\ntimeout 100\n',
    );
    const yaml = await readFile(join(dir, 'iso-metadata.yaml'), 'utf8');
    expect(yaml).toContain('\nkernel: boot/vmlinuz64\ninitrd: boot/corepure64.gz\n');
    expect(yaml).toContain(`\ninitrd_hash: '${await sha256File(join(work, 'new-core.gz'))}'\n`);
    expect(yaml).toContain('\niso_build_time: 1970-01-01 00:00:00.000000000 Z\n');
    expect((await stat(join(dir, 'boot', 'isolinux'))).mode & 0o777).toBe(0o755);
    expect((await stat(join(dir, 'iso-metadata.yaml'))).mode & 0o777).toBe(0o644);
  });

  it('for a Core booting two initrds: the rebuilt one in their place, every entry loading it alone', async () => {
    const two = ['boot/rootfs64.gz', 'boot/modules64.gz'];
    const cfg = [
      'default microcore',
      'label microcore',
      '\tkernel /boot/vmlinuz64',
      '\tinitrd /boot/rootfs64.gz,/boot/modules64.gz',
      '\tappend initrd=/boot/rootfs64.gz,/boot/modules64.gz quiet',
      '',
    ].join('\n');
    const iso = await coreIso('two', cfg, two);
    const dir = join(work, 'two-new');
    const spec = { coreIso: iso, boot: X86_64, initramfs: join(work, 'new-core.gz'), version: '2.0' } as const;
    await prepareIsoTree(dir, { ...spec, coreInitrds: two, buildTime: new Date(0), bootCodes: 'tce=sda1' });
    expect((await readdir(join(dir, 'boot'))).sort()).toEqual(['corepure64.gz', 'isolinux', 'vmlinuz64']);
    expect(await readFile(join(dir, X86_64.initrd), 'utf8')).toBe('the new initramfs');
    expect(await readFile(join(dir, 'boot', 'isolinux', 'isolinux.cfg'), 'utf8')).toBe(
      cfg
        .replace('/boot/rootfs64.gz,/boot/modules64.gz', '/boot/corepure64.gz')
        .replace('/boot/rootfs64.gz,/boot/modules64.gz quiet', '/boot/corepure64.gz quiet tce=sda1'),
    );
    await expect(
      prepareIsoTree(join(work, 'two-missing'), {
        ...spec,
        coreInitrds: [...two, 'boot/extra64.gz'],
        buildTime: new Date(0),
      }),
    ).rejects.toThrow(`${iso}: no boot/extra64.gz in the ISO (is it a Core ISO for x86_64?)`);
  });

  it("passes on a note when the timeout was not Core's", async () => {
    const iso = await coreIso('timeout50', 'default microcore\ntimeout 50\n');
    const built = await buildIso({
      coreIso: iso,
      boot: X86_64,
      initramfs: join(work, 'new-core.gz'),
      version: '2.0',
      flavour: 'prod',
      outDir: join(work, 'timeout50-out'),
      copying: join(work, 'new-core.gz'),
      sourceDateEpoch: 0,
    });
    expect(built.warnings).toEqual([
      "boot/isolinux/isolinux.cfg: kept 'timeout 50' (only Core's 'timeout 300' becomes 'timeout 100')",
    ]);
    expect(built.path).toBe(join(work, 'timeout50-out', 'rz_mk_prod-image.2.0.iso'));
    const pvd = (await execa('xorriso', ['-no_rc', '-indev', built.path, '-pvd_info'])).stdout;
    // Only COPYING given: it is the copyright file.
    expect(pvd).toContain('CopyrightFile: COPYING\n');
  });

  it('without isolinux.bin is an InputError', async () => {
    const tree = join(work, 'no-loader-tree');
    await mkdir(join(tree, 'boot'), { recursive: true });
    await writeFile(join(tree, X86_64.kernel), 'k');
    await writeFile(join(tree, X86_64.initrd), 'i');
    const iso = join(work, 'no-loader.iso');
    await execa('xorriso', ['-no_rc', '-as', 'mkisofs', '-quiet', '-R', '-o', iso, tree]);
    await expect(
      prepareIsoTree(join(work, 'no-loader-new'), {
        coreIso: iso,
        boot: X86_64,
        initramfs: join(work, 'new-core.gz'),
        version: '1',
        buildTime: new Date(0),
      }),
    ).rejects.toThrow(`${iso}: no boot/isolinux/isolinux.bin in the ISO (the new ISO boots with ISOLINUX)`);
  });
});
