/**
 * A bundle at the scale of a real Razor one, made from this machine's own
 * files: the wiki's bundle carried about 30 MB of overlay, mostly builtin
 * `.tcz` files (squashfs, gzip in 4 KiB blocks), and Tiny Core 4.x's own
 * core.gz is about 6 MB. Starting from a small bundle of the test world, it
 * grows the Core ISO's core.gz with real binaries and data and adds builtin
 * extensions made with mksquashfs from real libraries and data. Needs root
 * (the Core archive's device nodes are unpacked, as the original pipeline does).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { copyFile, lstat, mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { deflateRawSync } from 'node:zlib';

const run = promisify(execFile);
const sh = (script: string, cwd: string) => run('bash', ['-o', 'pipefail', '-c', script], { cwd, maxBuffer: 1 << 26 });

/** An extension of real files: which trees it takes them from, and how many bytes of them. */
interface ExtensionSpec {
  readonly name: string;
  readonly roots: readonly string[];
  readonly rawBytes: number;
}

const MiB = 1024 * 1024;

/** About 27 MB of .tcz on Debian bookworm: libraries compress to ~40%, text to ~25%. */
const EXTENSIONS: readonly ExtensionSpec[] = [
  { name: 'bench-libs', roots: ['/usr/lib/x86_64-linux-gnu'], rawBytes: 34 * MiB },
  { name: 'bench-python', roots: ['/usr/lib/python3.11', '/usr/lib/python3'], rawBytes: 14 * MiB },
  { name: 'bench-locale', roots: ['/usr/share/locale', '/usr/share/i18n'], rawBytes: 10 * MiB },
  { name: 'bench-perl', roots: ['/usr/share/perl', '/usr/lib/x86_64-linux-gnu/perl'], rawBytes: 8 * MiB },
];

/** Real binaries and data added to the Core archive until its gzip reaches this. */
const CORE_GZ_TARGET = 5.5 * MiB;
const CORE_ROOTS = ['/usr/bin', '/usr/sbin', '/usr/share/zoneinfo', '/usr/share/misc', '/usr/lib/gcc'];

/** Regular files under the roots, sorted, 1 KiB to 4 MiB, as long as `take` wants more. */
async function pickFiles(roots: readonly string[], take: (path: string, size: number) => boolean): Promise<string[]> {
  const picked: string[] = [];
  let more = true;
  const walk = async (dir: string): Promise<void> => {
    const names = (await readdir(dir).catch(() => [] as string[])).sort();
    for (const name of names) {
      if (!more) return;
      const path = join(dir, name);
      const info = await lstat(path).catch(() => undefined);
      if (info?.isDirectory()) await walk(path);
      else if (info?.isFile() && info.size >= 1024 && info.size <= 4 * MiB) {
        if (take(path, info.size)) picked.push(path);
        else more = false;
      }
    }
  };
  for (const root of roots) if (more) await walk(root);
  return picked;
}

async function copyInto(tree: string, prefix: string, files: readonly string[]): Promise<void> {
  for (const file of files) {
    const dest = join(tree, prefix, file);
    await mkdir(dirname(dest), { recursive: true });
    await copyFile(file, dest);
  }
}

interface FileRecord {
  size: number;
  sha256: string;
  readonly url?: string;
}

/** Records the new size and SHA-256 of the files changed in bundle.json (and of the downloads they are copies of), as the bundle stage would have. */
async function reseal(bundle: string, paths: readonly string[]): Promise<void> {
  const file = join(bundle, 'bundle.json');
  const manifest = JSON.parse(await readFile(file, 'utf8')) as {
    files: Record<string, FileRecord>;
    inputs: FileRecord[];
  };
  for (const path of paths) {
    const data = await readFile(join(bundle, path));
    const fresh = { size: data.length, sha256: createHash('sha256').update(data).digest('hex') };
    const record = manifest.files[path] as FileRecord;
    Object.assign(record, fresh);
    for (const input of manifest.inputs)
      if (record.url !== undefined && input.url === record.url) Object.assign(input, fresh);
  }
  await writeFile(file, JSON.stringify(manifest, null, 2));
}

export interface RealBundleStats {
  readonly coreGz: number;
  readonly coreFilesAdded: number;
  readonly extensions: readonly { readonly name: string; readonly files: number; readonly bytes: number }[];
  readonly overlay: number;
  readonly bundle: number;
}

/**
 * Makes `out` (a bundle tarball) from the small bundle `from`, working in `work`.
 * Returns what it made, for the bench's report.
 */
export async function makeRealBundle(from: string, work: string, out: string): Promise<RealBundleStats> {
  const b = join(work, 'bundle');
  await mkdir(b, { recursive: true });
  await run('tar', ['xzf', from, '-C', b]);
  const bundleJson = JSON.parse(await readFile(join(b, 'bundle.json'), 'utf8')) as {
    tinycore: { iso: string; initrd: string };
  };
  const iso = join(b, bundleJson.tinycore.iso);
  const initrd = `/${bundleJson.tinycore.initrd}`;

  // The Core archive, unpacked as root, grown with real files, packed again as GNU cpio | gzip -9.
  const core = join(work, 'core');
  await mkdir(core);
  await run('xorriso', ['-osirrox', 'on', '-indev', iso, '-extract', initrd, join(work, 'core.orig.gz')]);
  await sh(`zcat ../core.orig.gz | cpio -i -d -H newc --quiet`, core);
  let estimate = (await stat(join(work, 'core.orig.gz'))).size;
  const coreFiles = await pickFiles(CORE_ROOTS, (path) => {
    if (estimate >= CORE_GZ_TARGET) return false;
    // What zlib -6 makes of the file alone is close to its share of the archive's gzip -9.
    estimate += deflateRawSync(readFileSync(path), { level: 6 }).length;
    return true;
  });
  await copyInto(core, 'usr/local/share/bench-core', coreFiles);
  const coreGz = join(work, 'core.gz');
  await sh(`find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -9 > ${coreGz}`, core);
  await run('xorriso', [
    '-indev',
    iso,
    '-outdev',
    join(work, 'core.iso'),
    '-boot_image',
    'any',
    'replay',
    '-map',
    coreGz,
    initrd,
  ]);
  await rename(join(work, 'core.iso'), iso);

  // Builtin extensions of real files, in the overlay as the bundle stage places them.
  const overlayTar = join(b, 'dependencies', 'razor-microkernel-overlay.tar.gz');
  const overlay = join(work, 'overlay');
  await mkdir(overlay);
  await run('tar', ['xzf', overlayTar, '-C', overlay]);
  const optional = join(overlay, 'tmp', 'builtin', 'optional');
  await mkdir(optional, { recursive: true });
  const extensions: { name: string; files: number; bytes: number }[] = [];
  for (const spec of EXTENSIONS) {
    let raw = 0;
    const files = await pickFiles(spec.roots, (_path, size) => {
      if (raw >= spec.rawBytes) return false;
      raw += size;
      return true;
    });
    const tree = join(work, `tree-${spec.name}`);
    await copyInto(tree, '', files);
    const tcz = join(optional, `${spec.name}.tcz`);
    await run('mksquashfs', [
      tree,
      tcz,
      '-comp',
      'gzip',
      '-b',
      '4096',
      '-noappend',
      '-all-root',
      '-quiet',
      '-no-progress',
    ]);
    const md5 = createHash('md5')
      .update(await readFile(tcz))
      .digest('hex');
    await writeFile(`${tcz}.md5.txt`, `${md5}  ${spec.name}.tcz\n`);
    extensions.push({ name: `${spec.name}.tcz`, files: files.length, bytes: (await stat(tcz)).size });
  }
  const onboot = join(overlay, 'tmp', 'builtin', 'onboot.lst');
  const listed = await readFile(onboot, 'utf8').catch(() => '');
  await writeFile(onboot, listed + extensions.map((e) => `${e.name}\n`).join(''));
  await run('tar', ['czf', overlayTar, '--sort=name', '--owner=0', '--group=0', '--numeric-owner', '-C', overlay, '.']);
  await reseal(b, [bundleJson.tinycore.iso, 'dependencies/razor-microkernel-overlay.tar.gz']);
  await run('tar', ['czf', out, '--sort=name', '--owner=0', '--group=0', '--numeric-owner', '-C', b, '.']);
  return {
    coreGz: (await stat(coreGz)).size,
    coreFilesAdded: coreFiles.length,
    extensions,
    overlay: (await stat(overlayTar)).size,
    bundle: (await stat(out)).size,
  };
}
