import { createHash } from 'node:crypto';
import { chmod, chown, copyFile, mkdir, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveError, InputError, UsageError } from '../../src/errors.js';
import { type BuildIsoOptions, type BuiltIso, buildIso } from '../../src/iso/build.js';
import { extractFromIso } from '../../src/iso/read.js';
import { writeIso } from '../../src/iso/write.js';
import { toolVersion } from '../../src/version.js';
import { type BootableCoreIso, buildBootableCoreIso } from '../world/bootable/core-iso.js';
import { buildIsoAsNobody } from './helpers/as-nobody.js';

const EPOCH = 1_704_067_200;
const NOBODY = 65534;
const isRoot = process.geteuid?.() === 0;

/** The world's ISO and the files inside it, copied: another test run may prune the shared cache meanwhile. */
let world: Pick<BootableCoreIso, 'iso' | 'kernelPath' | 'coreGzPath' | 'isolinuxCfg'>;
let work: string;
let options: BuildIsoOptions;
let built: BuiltIso;

const sha256 = async (path: string): Promise<string> =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

async function xorriso(iso: string, ...commands: string[]): Promise<string> {
  return (await execa('xorriso', ['-no_rc', '-indev', iso, ...commands], { stdin: 'ignore' })).stdout;
}

/** A file of the written image, copied out. */
async function fileOf(iso: string, inside: string): Promise<Buffer> {
  const dest = await mkdtemp(join(work, 'out-'));
  await extractFromIso(iso, inside, join(dest, 'f'));
  return readFile(join(dest, 'f'));
}

let readOnlyIso: string | undefined;

/** The world's ISO again, with modes 0444 and 0555 as some ISO writers record them: xorriso extracts them so. */
async function readOnlyCoreIso(): Promise<string> {
  if (readOnlyIso !== undefined) return readOnlyIso;
  const tree = join(work, 'ro-tree');
  await extractFromIso(world.iso, 'boot', join(tree, 'boot'));
  await rm(join(tree, 'boot', 'isolinux', 'boot.cat'), { force: true });
  const iso = join(work, 'core-ro.iso');
  await execa('xorriso', [
    ...['-no_rc', '-as', 'mkisofs', '-quiet', '-l', '-J', '-R', '-file-mode', '0444', '-dir-mode', '0555'],
    ...['-no-emul-boot', '-boot-load-size', '4', '-boot-info-table'],
    ...['-b', 'boot/isolinux/isolinux.bin', '-c', 'boot/isolinux/boot.cat', '-o', iso, tree],
  ]);
  const listing = await xorriso(iso, '-find', '/boot/isolinux', '-exec', 'lsdl');
  expect(listing).toMatch(/^dr-xr-xr-x .*'\/boot\/isolinux'$/m);
  expect(listing).toMatch(/^-r--r--r-- .*'\/boot\/isolinux\/isolinux.cfg'$/m);
  readOnlyIso = iso;
  return iso;
}

beforeAll(async () => {
  const shared = await buildBootableCoreIso();
  work = await mkdtemp(join(tmpdir(), 'mkbundle-iso-test-'));
  // The unprivileged build reads its inputs from here.
  await chmod(work, 0o755);
  world = {
    iso: join(work, 'core.iso'),
    kernelPath: join(work, 'vmlinuz'),
    coreGzPath: join(work, 'core.gz'),
    isolinuxCfg: join(work, 'isolinux.cfg'),
  };
  await copyFile(shared.iso, world.iso);
  await copyFile(shared.kernelPath, world.kernelPath);
  await copyFile(shared.coreGzPath, world.coreGzPath);
  await copyFile(shared.isolinuxCfg, world.isolinuxCfg);
  await writeFile(join(work, 'COPYING'), 'copying text\n');
  await writeFile(join(work, 'LICENSE'), 'license text\n');
  options = {
    coreIso: world.iso,
    boot: { kernel: 'boot/vmlinuz', initrd: 'boot/core.gz' },
    initramfs: world.coreGzPath,
    version: '0.12.0-test',
    flavour: 'dev',
    outDir: join(work, 'a'),
    copying: join(work, 'COPYING'),
    license: join(work, 'LICENSE'),
    sourceDateEpoch: EPOCH,
  };
  built = await buildIso(options);
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the written ISO', () => {
  it('is named after flavour and VERSION and reports what it did', () => {
    expect(built.path).toBe(join(work, 'a', 'rz_mk_dev-image.0.12.0-test.iso'));
    expect(built.volumeId).toBe('Razor MK 0.12.0-test');
    expect(built.preparer).toBe(`mkbundle ${toolVersion()}`);
    expect(built.hybrid).toBe(true);
    expect(built.warnings).toEqual([]);
  });

  it("holds Core's boot tree, the licence files and iso-metadata.yaml", async () => {
    const files = (await xorriso(built.path, '-find', '/', '-type', 'f')).split('\n').sort();
    expect(files).toEqual(
      [
        '/COPYING',
        '/LICENSE',
        '/boot/core.gz',
        '/boot/isolinux/boot.msg',
        '/boot/isolinux/f2',
        '/boot/isolinux/f3',
        '/boot/isolinux/f4',
        '/boot/isolinux/isolinux.bin',
        '/boot/isolinux/isolinux.cfg',
        '/boot/isolinux/ldlinux.c32',
        '/boot/vmlinuz',
        '/iso-metadata.yaml',
      ].map((p) => `'${p}'`),
    );
    const listing = await xorriso(built.path, '-find', '/', '-exec', 'lsdl');
    // Root owns everything, with fixed modes and the epoch as date.
    for (const line of listing.split('\n').filter((l) => l.includes("'/"))) {
      expect(line).toMatch(/^(-rw-r--r--|drwxr-xr-x|er--r--r--) +1 0 +0 +\d+ Jan +1 +2024 '/);
    }
    expect(listing).toContain("'/boot/isolinux/boot.cat'");
    // Whole-buffer equality: toEqual compares megabytes element by element.
    expect((await fileOf(built.path, 'boot/core.gz')).equals(await readFile(world.coreGzPath))).toBe(true);
    expect((await fileOf(built.path, 'boot/vmlinuz')).equals(await readFile(world.kernelPath))).toBe(true);
    expect((await fileOf(built.path, 'LICENSE')).toString()).toBe('license text\n');
    expect((await fileOf(built.path, 'COPYING')).toString()).toBe('copying text\n');
  });

  it("has isolinux.cfg with 'timeout 100' and every other byte as it was", async () => {
    const cfg = (await fileOf(built.path, 'boot/isolinux/isolinux.cfg')).toString();
    const original = await readFile(world.isolinuxCfg, 'utf8');
    expect(original).toContain('\ntimeout 300\n');
    expect(cfg).toBe(original.replace('\ntimeout 300\n', '\ntimeout 100\n'));
  });

  it('has iso-metadata.yaml whose hashes match its kernel and initramfs', async () => {
    const yaml = (await fileOf(built.path, 'iso-metadata.yaml')).toString();
    expect(yaml).toBe(
      [
        '---',
        "iso_version: '0.12.0-test'",
        'kernel: boot/vmlinuz',
        'initrd: boot/core.gz',
        'hash_description:',
        '  type: Digest::SHA2',
        '  bitlen: 256',
        `kernel_hash: '${await sha256(world.kernelPath)}'`,
        `initrd_hash: '${await sha256(world.coreGzPath)}'`,
        'iso_build_time: 2024-01-01 00:00:00.000000000 Z',
        '',
      ].join('\n'),
    );
  });

  it('has the volume descriptor of the original', async () => {
    const info = await xorriso(built.path, '-pvd_info');
    expect(info).toContain('Volume Id    : Razor MK 0.12.0-test\n');
    // xorriso stores these two in ISO 9660's upper-case a-characters.
    expect(info).toContain('App Id       : RAZOR MICROKERNEL\n');
    expect(info).toContain(`Preparer Id  : MKBUNDLE ${toolVersion()}\n`);
    expect(info).toContain('System Id    : LINUX\n');
    expect(info).toContain('CopyrightFile: LICENSE\n');
    expect(info).toContain('Creation Time: 2024010100000000\n');
    expect(info).toContain('Modif. Time  : 2024010100000000\n');
    // The same fields, read from the primary volume descriptor at 32 KiB.
    const pvd = Buffer.alloc(2048);
    const handle = await open(built.path, 'r');
    await handle.read(pvd, 0, 2048, 16 * 2048);
    await handle.close();
    const field = (from: number, to: number): string => pvd.toString('latin1', from, to).trimEnd();
    expect(field(1, 6)).toBe('CD001');
    expect(field(8, 40)).toBe('LINUX');
    expect(field(40, 72)).toBe('Razor MK 0.12.0-test');
    expect(field(574, 702)).toBe('RAZOR MICROKERNEL');
    expect(field(702, 739)).toBe('LICENSE');
  });

  it('boots ISOLINUX from its El Torito catalog, with a boot info table', async () => {
    const report = await xorriso(built.path, '-report_el_torito', 'plain');
    expect(report).toContain('El Torito cat path : /boot/isolinux/boot.cat');
    expect(report).toMatch(/El Torito boot img : +1 +BIOS +y +none +0x0000 +0x00 +4 +\d+/);
    expect(report).toContain('El Torito img path :   1  /boot/isolinux/isolinux.bin');
    expect(report).toContain('El Torito img opts :   1  boot-info-table isohybrid-suitable');
  });

  it('carries an isohybrid MBR with one partition from block 64 to the end', async () => {
    const data = await readFile(built.path);
    expect(data.readUInt16LE(510)).toBe(0xaa55);
    const entry = data.subarray(446, 462);
    expect(entry[0]).toBe(0x80); // bootable
    expect(entry[4]).toBe(0x17); // isohybrid's partition type
    expect(entry.readUInt32LE(8)).toBe(64);
    expect(entry.readUInt32LE(8) + entry.readUInt32LE(12)).toBe(data.length / 512);
    // The other three entries are empty.
    expect(data.subarray(462, 510).every((b) => b === 0)).toBe(true);
    // Syslinux's MBR code itself.
    const template = await readFile('/usr/lib/ISOLINUX/isohdpfx.bin');
    expect(data.subarray(0, 0x1b0)).toEqual(template.subarray(0, 0x1b0));
    const area = await xorriso(built.path, '-report_system_area', 'plain');
    expect(area).toContain('System area summary: MBR isohybrid cyl-align-on');
    expect(area).toContain('Partition offset   : 16');
  });
});

describe('reproducibility', () => {
  it('gives the same bytes a second later, from another scratch directory', async () => {
    await sleep(1_100);
    const again = await buildIso({ ...options, outDir: join(work, 'b') });
    expect(again.path).toBe(join(work, 'b', 'rz_mk_dev-image.0.12.0-test.iso'));
    expect(await sha256(again.path)).toBe(await sha256(built.path));
  });

  it('gives the same bytes from a Core ISO whose files and directories are read-only', async () => {
    const again = await buildIso({ ...options, coreIso: await readOnlyCoreIso(), outDir: join(work, 'ro') });
    expect(await sha256(again.path)).toBe(await sha256(built.path));
  });

  it.skipIf(!isRoot)('gives the same bytes when nobody builds it, from the read-only Core ISO', async () => {
    const outDir = join(work, 'nobody');
    await mkdir(outDir);
    await chown(outDir, NOBODY, NOBODY);
    const theirs = await buildIsoAsNobody({ ...options, coreIso: await readOnlyCoreIso(), outDir });
    expect(theirs.path).toBe(join(outDir, 'rz_mk_dev-image.0.12.0-test.iso'));
    expect(await sha256(theirs.path)).toBe(await sha256(built.path));
  });

  it('without SOURCE_DATE_EPOCH, names the host and takes the time of the build', async () => {
    const before = Math.floor(Date.now() / 1000);
    const now = await buildIso({ ...options, sourceDateEpoch: undefined, outDir: join(work, 'now') });
    expect(now.preparer).toBe(`mkbundle ${toolVersion()} (${hostname()})`);
    const time = now.metadata.buildTime.getTime() / 1000;
    expect(time).toBeGreaterThanOrEqual(before);
    expect(time).toBeLessThan(before + 60);
    expect(await xorriso(now.path, '-pvd_info')).not.toContain('Creation Time: 2024');
  });
});

describe('failures', () => {
  const entries = async (dir: string): Promise<string[]> => (await readdir(dir)).sort();

  it('leave an existing ISO and no temporary file behind when xorriso fails', async () => {
    const outDir = join(work, 'fail');
    await mkdir(outDir);
    const dest = join(outDir, 'rz_mk_dev-image.0.12.0-test.iso');
    await writeFile(dest, 'the previous ISO');
    const failing = buildIso({ ...options, outDir, isohybridMbr: join(work, 'missing-isohdpfx.bin') });
    await expect(failing).rejects.toThrow(InputError);
    await expect(failing).rejects.toThrow(
      `${dest}: xorriso could not write the ISO ('Given path does not exist on disk: -boot_image system_area=\\'${join(work, 'missing-isohdpfx.bin')}\\'')`,
    );
    expect(await entries(outDir)).toEqual(['rz_mk_dev-image.0.12.0-test.iso']);
    expect(await readFile(dest, 'utf8')).toBe('the previous ISO');
  });

  it('an option xorriso refuses is an ArchiveError, and leaves nothing', async () => {
    const tree = await mkdtemp(join(work, 'tree-'));
    await mkdir(join(tree, 'boot', 'isolinux'), { recursive: true });
    await copyFile('/usr/lib/ISOLINUX/isolinux.bin', join(tree, 'boot', 'isolinux', 'isolinux.bin'));
    const outDir = await mkdtemp(join(work, 'long-id-'));
    const dest = join(outDir, 'x.iso');
    const failing = writeIso(tree, dest, { volumeId: 'x'.repeat(33), preparer: 'mkbundle' });
    await expect(failing).rejects.toThrow(ArchiveError);
    await expect(failing).rejects.toThrow(
      `${dest}: xorriso could not write the ISO ('-volid: Text too long (33 > 32)')`,
    );
    expect(await entries(outDir)).toEqual([]);
  });

  it('a bad VERSION is a UsageError before any work', async () => {
    const outDir = join(work, 'bad-version');
    await expect(buildIso({ ...options, version: '1.0/x', outDir })).rejects.toThrow(UsageError);
    await expect(readdir(outDir)).rejects.toThrow(/ENOENT/);
  });

  it('an output directory that cannot be made is an InputError', async () => {
    await writeFile(join(work, 'a-file'), '');
    const outDir = join(work, 'a-file', 'out');
    await expect(buildIso({ ...options, outDir })).rejects.toThrow(
      new InputError(`cannot create the output directory ${outDir}: not a directory`),
    );
  });

  it('a missing Core ISO is an InputError naming it', async () => {
    const coreIso = join(work, 'no-such.iso');
    await expect(buildIso({ ...options, coreIso, outDir: join(work, 'x') })).rejects.toThrow(
      new InputError(`cannot read the Core ISO ${coreIso}: no such file or directory`),
    );
  });

  it('an ISO of the other architecture is an InputError', async () => {
    const boot = { kernel: 'boot/vmlinuz64', initrd: 'boot/corepure64.gz' } as const;
    await expect(buildIso({ ...options, boot, outDir: join(work, 'x') })).rejects.toThrow(
      new InputError(`${world.iso}: no boot/vmlinuz64 in the ISO (is it a Core ISO for x86_64?)`),
    );
  });

  it('a missing initramfs is an InputError naming it', async () => {
    const initramfs = join(work, 'no-core.gz');
    await expect(buildIso({ ...options, initramfs, outDir: join(work, 'x') })).rejects.toThrow(
      new InputError(`cannot copy the initramfs ${initramfs} into the ISO tree: no such file or directory`),
    );
  });

  it('removes its scratch directory either way', async () => {
    const scratchParent = await mkdtemp(join(work, 'scratch-'));
    await buildIso({ ...options, outDir: join(work, 'scratch-ok'), workDir: scratchParent });
    await expect(
      buildIso({ ...options, initramfs: join(work, 'nope'), outDir: join(work, 'x'), workDir: scratchParent }),
    ).rejects.toThrow(InputError);
    expect(await entries(scratchParent)).toEqual([]);
  });
});
