import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, UsageError } from '../../src/errors.js';
import { formatInspect, type InspectReport, inspect } from '../../src/inspect/index.js';
import { buildBundle, cpioList, fromIso, isoAsNobody, openDir, unpackBundle } from '../rebuild/helpers.js';
import { startWorld, type World } from '../world/index.js';
import { tarGz } from '../world/tarballs.js';

/**
 * inspect on what mkbundle makes of the test world, each file given under a
 * name that says nothing of what it is: the facts against the bundle's own
 * bundle.json and against other tools (GNU tar and cpio, isoinfo,
 * unsquashfs).
 */
let dir: string;
let world: World;
let bundle: string;
let iso: string;
let unpacked: string;

const EPOCH = '1700000000';
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const run = (command: string, args: readonly string[]) => execFileSync(command, args, { encoding: 'utf8' });

/** A copy of `file` named `name` in the scratch directory: detection must not care. */
async function renamed(file: string, name: string): Promise<string> {
  const copy = join(dir, name);
  await copyFile(file, copy);
  return copy;
}

beforeAll(async () => {
  dir = await openDir('mk-inspect-');
  world = await startWorld(join(dir, 'world'));
  bundle = await buildBundle(world, join(dir, 'bundles'), 'prod', [], { SOURCE_DATE_EPOCH: EPOCH });
  const out = await openDir('mk-inspect-iso-');
  const built = isoAsNobody(bundle, '1.0', ['--out', out, '--no-recompress'], { SOURCE_DATE_EPOCH: EPOCH });
  if (built.code !== 0) throw new Error(built.stderr);
  iso = join(out, 'rz_mk_prod-image.1.0.iso');
  unpacked = await unpackBundle(bundle, join(dir, 'unpacked'));
}, 600_000);
afterAll(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

/** The report is plain data: JSON gives it back unchanged. */
const roundTrips = (report: InspectReport) => expect(JSON.parse(JSON.stringify(report))).toEqual(report);

describe('inspect a bundle', () => {
  it("reports bundle.json's facts, the tarball's entries and its first levels", async () => {
    const report = await inspect(await renamed(bundle, 'bundle.iso'));
    const manifest = JSON.parse(await readFile(join(unpacked, 'bundle.json'), 'utf8'));
    const tar = run('tar', ['tzf', bundle]).trim().split('\n');
    expect(report).toMatchObject({
      kind: 'bundle',
      size: (await readFile(bundle)).length,
      sha256: sha(await readFile(bundle)),
    });
    if (report.kind !== 'bundle') throw new Error('not a bundle report');
    expect(report.entries).toBe(tar.filter((p) => p !== './').length);
    expect(report.bundle).toMatchObject({
      format: 1,
      flavour: 'prod',
      era: manifest.era,
      tinycore: manifest.tinycore,
      dependencies: manifest.dependencies,
      extensions: manifest.extensions,
      gems: manifest.gems,
    });
    expect(report.bundle.extensions.onboot).not.toContain('openssh.tcz');
    expect(Object.fromEntries(report.bundle.files.map(({ path, ...rest }) => [path, rest]))).toEqual(
      Object.fromEntries(
        Object.entries(manifest.files as Record<string, { size: number; sha256: string; url?: string }>).map(
          ([path, r]) => [path, { size: r.size, sha256: r.sha256, url: r.url ?? null }],
        ),
      ),
    );
    const top = [...new Set(tar.map((p) => p.replace(/\/.*/, '')))].sort();
    expect(report.tree.filter((e) => !e.path.includes('/')).map((e) => e.path)).toEqual(top);
    expect(report.tree.find((e) => e.path === 'dependencies')).toMatchObject({
      type: 'dir',
      entries: manifest.dependencies.length,
    });
    roundTrips(report);
    const text = formatInspect(report);
    expect(text).toContain('mkbundle bundle');
    expect(text).toContain(`prod flavour, ${manifest.era} tree`);
    expect(text).toContain(`Tiny Core ${manifest.tinycore.version} x86, kernel ${manifest.tinycore.kernelVersion}`);
  });

  it('refuses a tarball without bundle.json, and names a broken bundle.json', async () => {
    const plain = join(dir, 'plain.tar.gz');
    await writeFile(plain, tarGz([{ type: 'file', path: 'README', data: 'hi\n' }]));
    await expect(inspect(plain)).rejects.toThrow(new InputError(`'${plain}' is not a bundle, ISO, core.gz or .tcz`));
    const broken = join(dir, 'broken.tar.gz');
    await writeFile(broken, tarGz([{ type: 'file', path: 'bundle.json', data: '{"format": 1,' }]));
    await expect(inspect(broken)).rejects.toThrow(new InputError(`'${broken}': bundle.json is not valid JSON`));
  });
});

describe('inspect an ISO', () => {
  it('reports the volume, the boot record, isolinux.cfg, iso-metadata.yaml, kernel, initrd and manifests', async () => {
    const report = await inspect(iso);
    if (report.kind !== 'iso') throw new Error('not an ISO report');
    const info = run('isoinfo', ['-d', '-i', iso]);
    const core = join(dir, 'iso-core.gz');
    const kernel = join(dir, 'iso-kernel');
    fromIso(iso, 'boot/core.gz', core);
    fromIso(iso, 'boot/vmlinuz', kernel);
    const coreSha = sha(await readFile(core));
    expect(report.volumeId).toBe(/^Volume id: (.*)$/m.exec(info)?.[1]);
    expect(report.boot.catalog).toBe('boot/isolinux/boot.cat');
    expect(report.boot.images).toEqual([
      {
        platform: 'BIOS',
        bootable: true,
        emulation: 'none',
        loadSize: Number(/Nsect (\d+)/.exec(info)?.[1]),
        lba: Number.parseInt(/Bootoff (\w+)/.exec(info)?.[1] ?? '', 16),
        path: 'boot/isolinux/isolinux.bin',
      },
    ]);
    expect(report.boot.systemArea).toContain('isohybrid');
    expect(report.isolinux).toEqual({
      config: 'boot/isolinux/isolinux.cfg',
      label: 'microcore',
      kernel: '/boot/vmlinuz',
      initrd: '/boot/core.gz',
      append: expect.any(String),
    });
    expect(report.metadata).toMatchObject({ iso_version: '1.0', initrd: 'boot/core.gz', initrd_hash: coreSha });
    expect(report.kernel).toEqual({
      path: 'boot/vmlinuz',
      size: (await readFile(kernel)).length,
      sha256: sha(await readFile(kernel)),
    });
    const uncompressed = Number(run('sh', ['-c', `gzip -dc '${core}' | wc -c`]));
    expect(report.initrd).toMatchObject({
      path: 'boot/core.gz',
      sha256: coreSha,
      compression: 'gzip',
      uncompressedSize: uncompressed,
      entries: cpioList(core).filter((line) => !/ \.$/.test(line)).length,
      mkVersion: '1.0',
    });
    const beside = (await readFile(`${iso}.manifest`, 'utf8')).trim().split('\n');
    const entryLines = beside.filter((l) => !l.startsWith('# ')).length;
    expect(report.manifest).toMatchObject({
      path: `${iso}.manifest`,
      entries: entryLines,
      header: { initrd_hash: coreSha },
    });
    expect(report.initrd?.manifest).toEqual({
      header: {
        iso_version: '1.0',
        kernel: 'boot/vmlinuz',
        kernel_hash: sha(await readFile(kernel)),
        initrd: 'boot/core.gz',
      },
      entries: entryLines,
    });
    const members = run('xorriso', ['-no_rc', '-indev', iso, '-find', '/']).trim().split('\n').length - 1;
    expect(report.members).toBe(members);
    roundTrips(report);
    expect(formatInspect(report)).toContain(`initrd boot/core.gz: `);
  });

  it('reads a Core ISO too, which has no mkbundle files', async () => {
    const report = await inspect(await renamed(join(unpacked, 'Core-current.iso'), 'core-iso.bin'));
    expect(report).toMatchObject({
      kind: 'iso',
      metadata: null,
      manifest: null,
      initrd: { manifest: null, mkVersion: null },
    });
  });
});

describe('inspect a core.gz and a .tcz', () => {
  it('reports an initramfs: entries, size, whether it carries the manifest, its first levels', async () => {
    const core = join(dir, 'initrd.dat');
    fromIso(iso, 'boot/core.gz', core);
    const report = await inspect(core);
    expect(report).toMatchObject({
      kind: 'initramfs',
      compression: 'gzip',
      mkVersion: '1.0',
      manifest: { header: { iso_version: '1.0' } },
    });
    expect(report.tree.map((e) => e.path)).toContain('tmp/builtin');
    const uncompressed = join(dir, 'initrd.cpio');
    run('sh', ['-c', `gzip -dc '${core}' > '${uncompressed}'`]);
    expect(await inspect(uncompressed)).toMatchObject({
      kind: 'initramfs',
      compression: 'none',
      size: (await readFile(uncompressed)).length,
    });
  });

  it('reports a squashfs image: compressor, block size, inodes, entries', async () => {
    const overlay = join(dir, 'overlay');
    await mkdir(overlay, { recursive: true });
    run('tar', ['xzf', join(unpacked, 'dependencies/razor-microkernel-overlay.tar.gz'), '-C', overlay]);
    const tcz = await renamed(join(overlay, 'tmp/builtin/optional/lshw.tcz'), 'lshw.bin');
    const report = await inspect(tcz);
    const stats = run('unsquashfs', ['-s', tcz]);
    const listed = run('unsquashfs', ['-l', tcz]).trim().split('\n').slice(1);
    expect(report).toMatchObject({
      kind: 'tcz',
      squashfs: {
        compressor: /Compression (\w+)/.exec(stats)?.[1],
        blockSize: Number(/Block size (\d+)/.exec(stats)?.[1]),
        inodes: Number(/Number of inodes (\d+)/.exec(stats)?.[1]),
      },
    });
    expect(report.kind === 'tcz' && report.entries).toBe(listed.length);
    expect(formatInspect(report)).toContain('squashfs: gzip, 4 KiB blocks');
  });
});

describe('inspect options and refusals', () => {
  it('shows as many levels as asked', async () => {
    const one = await inspect(bundle, { depth: 1 });
    expect(one.depth).toBe(1);
    expect(one.tree.every((e) => !e.path.includes('/'))).toBe(true);
    expect((await inspect(bundle, { depth: 0 })).tree).toEqual([]);
    await expect(inspect(bundle, { depth: -1 })).rejects.toBeInstanceOf(UsageError);
  });

  it('refuses what is none of them by content, whatever the name, with the path quoted (exit 2)', async () => {
    const cases: [string, Buffer][] = [
      ['list.tcz', Buffer.from('bash.tcz\n')],
      ['text.gz', gzipSync('plain text\n')],
      ['evil\u001b[2J.iso', Buffer.alloc(40_000)],
    ];
    for (const [name, data] of cases) {
      const path = join(dir, name);
      await writeFile(path, data);
      const error = await inspect(path).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).exitCode).toBe(2);
      expect((error as Error).message).toBe(
        `'${path.replace('\u001b', '\\u{1b}')}' is not a bundle, ISO, core.gz or .tcz`,
      );
    }
    await expect(inspect(join(dir, 'world'))).rejects.toThrow(/is not a bundle, ISO, core.gz or .tcz$/);
    await expect(inspect(unpacked)).rejects.toThrow(
      new InputError(`'${unpacked}' is an unpacked bundle: give its .tar.gz`),
    );
    await expect(inspect(join(dir, 'missing'))).rejects.toThrow(
      new InputError(`cannot read '${join(dir, 'missing')}': no such file or directory`),
    );
  });
});
