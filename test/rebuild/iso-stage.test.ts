import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, type World } from '../world/index.js';
import { asNobody, BIN, buildBundle, cpioList, fromIso, isoAsNobody, openDir } from './helpers.js';

const EPOCH = '1700000000';
const VERSION = '1.2.3.4';
let dir: string;
let world: World;
let bundle: string;
let iso: string;
let run: ReturnType<typeof isoAsNobody>;

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

beforeAll(async () => {
  dir = await openDir('mk-iso-stage-');
  world = await startWorld(join(dir, 'world'), { bootable: true });
  bundle = await buildBundle(world, join(dir, 'bundles'), 'prod', [], { SOURCE_DATE_EPOCH: EPOCH });
  await mkdir(join(dir, 'iso'), { mode: 0o777 });
  await chmod(join(dir, 'iso'), 0o777);
  run = isoAsNobody(bundle, VERSION, ['--out', join(dir, 'iso')], { SOURCE_DATE_EPOCH: EPOCH });
  iso = join(dir, 'iso', `rz_mk_prod-image.${VERSION}.iso`);
}, 600_000);
afterAll(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

describe('mkbundle iso as an unprivileged user', () => {
  it('writes the ISO and its manifest', () => {
    expect(run.stderr).not.toContain('mkbundle:');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`built ${iso} (prod,`);
    expect(existsSync(`${iso}.manifest`)).toBe(true);
    expect(execFileSync('stat', ['-c', '%U', iso]).toString().trim()).toBe('nobody');
  });

  it('holds the boot tree, the metadata and the licence files', () => {
    const files = execFileSync('xorriso', ['-indev', iso, '-find', '/', '-type', 'f'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .split('\n')
      .map((l) => l.replace(/^'|'$/g, ''));
    for (const f of [
      '/boot/vmlinuz',
      '/boot/core.gz',
      '/boot/isolinux/isolinux.bin',
      '/boot/isolinux/isolinux.cfg',
      '/iso-metadata.yaml',
      '/COPYING',
      '/LICENSE',
    ]) {
      expect(files).toContain(f);
    }
  });

  it('rewrites the boot timeout and describes the image in iso-metadata.yaml', async () => {
    fromIso(iso, 'boot/isolinux/isolinux.cfg', join(dir, 'isolinux.cfg'));
    const cfg = await readFile(join(dir, 'isolinux.cfg'), 'utf8');
    expect(cfg).toMatch(/^timeout 100$/m);
    expect(cfg).not.toMatch(/^timeout 300$/m);
    fromIso(iso, 'iso-metadata.yaml', join(dir, 'meta.yaml'));
    fromIso(iso, 'boot/core.gz', join(dir, 'core.gz'));
    fromIso(iso, 'boot/vmlinuz', join(dir, 'vmlinuz'));
    const meta = await readFile(join(dir, 'meta.yaml'), 'utf8');
    expect(meta).toContain(`iso_version: '${VERSION}'`);
    expect(meta).toContain(`kernel_hash: '${sha(await readFile(join(dir, 'vmlinuz')))}'`);
    expect(meta).toContain(`initrd_hash: '${sha(await readFile(join(dir, 'core.gz')))}'`);
    expect(meta).toContain('iso_build_time: 2023-11-14');
  });

  it('keeps device nodes, setuid bits, hard links and owners of the Core archive, as GNU cpio sees them', async () => {
    fromIso(world.coreIso, 'boot/core.gz', join(dir, 'core.orig.gz'));
    const before = cpioList(join(dir, 'core.orig.gz'));
    const after = new Set(cpioList(join(dir, 'core.gz')));
    const overlaid =
      /^(etc\/(inittab|passwd|shadow|init\.d\/dhcp\.sh)|opt\/bootsync\.sh|lib\/modules\/[^/]+\/kernel\.tclocal)/;
    const kept = before.filter((line) => !overlaid.test(line.split(/\s+/).slice(8).join(' ')));
    expect(kept.length).toBeGreaterThan(100);
    for (const line of kept) expect(after).toContain(line);
    const lines = [...after];
    expect(lines.some((l) => /^crw------- +1 0 +0 +5, +1 .* dev\/console$/.test(l))).toBe(true);
    expect(lines.some((l) => /^-rwsr-xr-x .* bin\/busybox\.suid$/.test(l))).toBe(true);
    expect(lines.some((l) => /kernel\.tclocal -> \.\.\/\.\.\/\.\.\/usr\/local\/lib\/modules\//.test(l))).toBe(true);
    for (const line of lines.filter((l) => / (tmp\/builtin|opt\/gems|usr\/local\/tce\.installed)\//.test(l))) {
      expect(line.split(/\s+/).slice(2, 4)).toEqual(['0', '0']);
    }
  });

  it("merges every dependency tarball of the 2012 era, in its order, and keeps etc/shadow root's", () => {
    const lines = cpioList(join(dir, 'core.gz'));
    // mcollective-setup-files.tar.gz: rz_mk_init.rb starts mcollectived with this config.
    expect(lines.some((l) => /^-rw-r--r-- .* usr\/local\/etc\/mcollective\/server\.cfg$/.test(l))).toBe(true);
    expect(lines.some((l) => / usr\/local\/bin\/vmtoolsd$/.test(l))).toBe(true);
    expect(lines.find((l) => / etc\/shadow$/.test(l))).toMatch(/^-rw------- +1 0 +0 /);
  });

  it('adds the version, the manifest, and is no larger than gzip -9', async () => {
    const raw = gunzipSync(await readFile(join(dir, 'core.gz')));
    expect(raw.includes('tmp/mk-version.yaml')).toBe(true);
    expect(raw.includes(`mk_version: "${VERSION}"`)).toBe(true);
    expect(raw.includes('usr/share/mkbundle/manifest')).toBe(true);
    const size = (await readFile(join(dir, 'core.gz'))).length;
    expect(size).toBeLessThanOrEqual(gzipSync(raw, { level: 9 }).length);
    const manifest = await readFile(`${iso}.manifest`, 'utf8');
    expect(manifest).toContain(`# initrd_hash: ${sha(await readFile(join(dir, 'core.gz')))}`);
    expect(manifest).toMatch(/^- 4755 0:0 \d+ [0-9a-f]{64} bin\/busybox\.suid$/m);
  });

  it('is byte-identical when built again as root with the same SOURCE_DATE_EPOCH', async () => {
    const again = join(dir, 'iso-root');
    execFileSync(process.execPath, [BIN, 'iso', bundle, VERSION, '--out', again], {
      env: { ...process.env, SOURCE_DATE_EPOCH: EPOCH },
      stdio: 'ignore',
    });
    const a = await readFile(iso);
    const b = await readFile(join(again, `rz_mk_prod-image.${VERSION}.iso`));
    expect(sha(b)).toBe(sha(a));
  });

  it('./rebuild-iso in an unpacked bundle, outside the project, gives the same ISO', async () => {
    const unpacked = join(dir, 'unpacked');
    await mkdir(unpacked);
    execFileSync('tar', ['xzf', bundle, '-C', unpacked]);
    await chmod(unpacked, 0o777);
    const result = asNobody(join(unpacked, 'rebuild-iso'), [VERSION, '--out', unpacked], { SOURCE_DATE_EPOCH: EPOCH });
    expect(result.stderr).not.toContain('rebuild-iso:');
    expect(result.code).toBe(0);
    const built = await readFile(join(unpacked, `rz_mk_prod-image.${VERSION}.iso`));
    expect(sha(built)).toBe(sha(await readFile(iso)));
  });
});

describe('mkbundle iso errors', () => {
  it('rejects a bad VERSION with where the help is', () => {
    for (const version of ['a/b', 'x'.repeat(65), 'bad\u0007bell', '']) {
      const bad = isoAsNobody(bundle, version, ['--out', join(dir, 'never')]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/^mkbundle: error: [^\n]*\nsee 'mkbundle iso --help'\n$/);
    }
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });

  it('names a missing bundle or one that is not a bundle', async () => {
    const missing = isoAsNobody(join(dir, 'nope.tar.gz'), VERSION, []);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`\nmkbundle: ${join(dir, 'nope.tar.gz')}: no such bundle\n`);
    const notBundle = join(dir, 'not-a-bundle');
    await mkdir(notBundle, { mode: 0o755 });
    const wrong = isoAsNobody(notBundle, VERSION, []);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('not a mkbundle bundle (no bundle.json)');
  });

  it('refuses a hostile bundle tarball and writes nothing', async () => {
    const { tarGz } = await import('../world/tarballs.js');
    const hostile = join(dir, 'hostile.tar.gz');
    await writeFile(hostile, tarGz([{ type: 'file', path: '../../escape', data: 'x' }]));
    await chmod(hostile, 0o644);
    const out = join(dir, 'hostile-out');
    const result = isoAsNobody(hostile, VERSION, ['--out', out]);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain(`\nmkbundle: ${hostile}: '../../escape': entry escapes the destination\n`);
    expect(existsSync(out)).toBe(false);
  });
});
