import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCpio } from '../../src/archive/cpio-read.js';
import { cpioStream } from '../../src/archive/cpio-write.js';
import type { ArchiveEntry } from '../../src/archive/entry.js';
import { InputError } from '../../src/errors.js';
import { formatMd5Txt } from '../../src/tce/md5.js';
import { formatVerify, verify } from '../../src/verify/index.js';
import { buildBundle, fromIso, isoAsNobody, openDir, replaceInIso, unpackBundle } from '../rebuild/helpers.js';
import { startWorld, type World } from '../world/index.js';
import { makeTcz } from '../world/tinycore-squashfs.js';
import { file } from '../world/tinycore-tree.js';
import { buildProbe, editTarball, PROBE_INTERPRETER, PROBE_LIB, type ProbeFiles, put, variant } from './helpers.js';

/**
 * verify on real bundles and ISOs of the test world, good ones and copies
 * broken one way each: each break gives exactly its one problem line, for
 * the bundle and for the ISO the ISO stage makes of it.
 */
let dir: string;
let world: World;
let tarball: string;
let clean: string;
let cleanIso: string;
let probe: ProbeFiles;

const OPTIONAL = 'tmp/builtin/optional';
const OVERLAY = 'dependencies/razor-microkernel-overlay.tar.gz';
const VM_TOOLS = 'dependencies/mk-open-vm-tools.tar.gz';
const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
let variants = 0;

/** A broken copy of the clean bundle (unpacked). */
const broken = (edit: (bundle: string) => Promise<void>) => variant(clean, join(dir, `variant-${++variants}`), edit);

/** The ISO the ISO stage (as nobody) makes of a bundle. */
async function isoOf(bundle: string): Promise<string> {
  const out = await openDir('mk-verify-iso-');
  const run = isoAsNobody(bundle, '1.0', ['--out', out, '--no-recompress']);
  if (run.code !== 0) throw new Error(`mkbundle iso failed: ${run.stderr}`);
  return join(out, 'rz_mk_dev-image.1.0.iso');
}

/** The problems of a bundle and of its ISO, which must be the same. */
async function bothProblems(bundle: string): Promise<readonly string[]> {
  const fromBundle = await verify(bundle);
  const fromIso = await verify(await isoOf(bundle));
  expect(fromIso.problems).toEqual(fromBundle.problems);
  return fromBundle.problems;
}

const inOverlay = (edit: (root: string) => Promise<void>) => (bundle: string) => editTarball(bundle, OVERLAY, edit);

/** The open-vm-tools tarball with the probe executable and what it needs, less what `without` names. */
const withProbe =
  (without: readonly ('library' | 'interpreter' | 'ld.so.conf')[] = []) =>
  (bundle: string) =>
    editTarball(bundle, VM_TOOLS, async (root) => {
      await put(root, 'usr/local/bin/probe', probe.executable);
      if (!without.includes('library')) await put(root, `usr/local/lib/${PROBE_LIB}`, probe.library);
      if (!without.includes('interpreter')) await put(root, PROBE_INTERPRETER.slice(1), probe.interpreter);
      if (!without.includes('ld.so.conf')) await put(root, 'etc/ld.so.conf', '/usr/local/lib\n');
    });

beforeAll(async () => {
  dir = await openDir('mk-verify-');
  world = await startWorld(join(dir, 'world'));
  tarball = await buildBundle(world, join(dir, 'bundles'), 'dev');
  clean = await unpackBundle(tarball, join(dir, 'clean'));
  cleanIso = await isoOf(clean);
  probe = await buildProbe(dir);
}, 600_000);
afterAll(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a good image verifies clean', () => {
  it('the bundle tarball, with what was checked', async () => {
    const manifest = JSON.parse(await readFile(join(clean, 'bundle.json'), 'utf8'));
    const deps = execFileSync('tar', ['tzf', join(clean, OVERLAY)], { encoding: 'utf8' })
      .split('\n')
      .filter((p) => p.endsWith('.tcz.dep')).length;
    const report = await verify(tarball);
    expect(report).toEqual({
      ok: true,
      kind: 'bundle',
      problems: [],
      checked: { extensions: manifest.extensions.builtin.length, deps, manifestEntries: 7, elfFiles: 0 },
    });
    expect(formatVerify(report)).toBe(
      `OK: the bundle verifies: ${manifest.extensions.builtin.length} extensions and ${deps} .dep files, 7 bundle files, 0 ELF files checked\n`,
    );
  });

  it('its ISO, the manifest compared line by line', async () => {
    const lines = (await readFile(`${cleanIso}.manifest`, 'utf8'))
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('# '));
    const report = await verify(cleanIso);
    expect(report).toMatchObject({ ok: true, kind: 'iso', problems: [], checked: { manifestEntries: lines.length } });
    expect(formatVerify(report)).toMatch(
      /^OK: the ISO verifies: \d+ extensions and \d+ \.dep files, \d+ manifest entries, 0 ELF files checked\n$/,
    );
  });

  it('an executable whose libraries the image has, the loader configured by etc/ld.so.conf', async () => {
    const bundle = await broken(withProbe());
    expect(await verify(bundle)).toMatchObject({ ok: true, checked: { elfFiles: 3 } });
  });

  it('a library found in an onboot extension, installed into the same root at boot', async () => {
    const bundle = await broken(async (b) => {
      await withProbe(['library'])(b);
      await inOverlay(async (root) => {
        const tcz = await makeTcz(
          [file(`usr/local/lib/${PROBE_LIB}`, probe.library, 0o755), file('usr/local/tce.installed/gcc_libs', '')],
          join(dir, 'tcz-work'),
        );
        await put(root, `${OPTIONAL}/gcc_libs.tcz`, tcz);
        await put(root, `${OPTIONAL}/gcc_libs.tcz.md5.txt`, formatMd5Txt('gcc_libs.tcz', md5(tcz)));
      })(b);
    });
    expect(await verify(bundle)).toMatchObject({ ok: true, problems: [] });
  });
});

describe('a broken image gives exactly its problem line', () => {
  it('an onboot extension missing', async () => {
    const bundle = await broken(inOverlay((root) => rm(join(root, OPTIONAL, 'gcc_libs.tcz'))));
    expect(await bothProblems(bundle)).toEqual([
      `'${OPTIONAL}/gcc_libs.tcz' is missing (onboot; needed by 'libssl-0.9.8.tcz', 'lshw.tcz', 'ruby.tcz')`,
    ]);
  });

  it('a .tcz whose md5 is not its .md5.txt', async () => {
    let stated = '';
    let actual = '';
    const bundle = await broken(
      inOverlay(async (root) => {
        const path = join(root, OPTIONAL, 'lshw.tcz');
        const data = await readFile(path);
        stated = md5(data);
        data[100] = (data[100] ?? 0) ^ 0xff;
        actual = md5(data);
        await writeFile(path, data);
      }),
    );
    expect(await bothProblems(bundle)).toEqual([
      `'${OPTIONAL}/lshw.tcz': md5 is ${actual}, but '${OPTIONAL}/lshw.tcz.md5.txt' states ${stated}`,
    ]);
  });

  it('a .dep with CR line endings', async () => {
    const bundle = await broken(
      inOverlay(async (root) => {
        const path = join(root, OPTIONAL, 'lshw.tcz.dep');
        await writeFile(path, (await readFile(path, 'utf8')).replaceAll('\n', '\r\n'));
      }),
    );
    expect(await bothProblems(bundle)).toEqual([
      `'${OPTIONAL}/lshw.tcz.dep' has CR line endings (lines 1, 2): tce-load reads the CR as part of the name`,
    ]);
  });

  it('a dependency loop', async () => {
    const bundle = await broken(inOverlay((root) => writeFile(join(root, OPTIONAL, 'gcc_libs.tcz.dep'), 'lshw.tcz\n')));
    expect((await verify(bundle)).problems).toEqual([
      `'${OPTIONAL}': dependency loop: gcc_libs.tcz → lshw.tcz → gcc_libs.tcz (Tiny Core's tce-load recurses forever on it at boot)`,
    ]);
  });

  it('a library dropped', async () => {
    const bundle = await broken(withProbe(['library']));
    expect(await bothProblems(bundle)).toEqual([
      `'usr/local/bin/probe' needs '${PROBE_LIB}', which no library directory of the image has`,
    ]);
  });

  it('a library in a directory the loader does not search (no etc/ld.so.conf)', async () => {
    const bundle = await broken(withProbe(['ld.so.conf']));
    expect((await verify(bundle)).problems).toEqual([
      `'usr/local/bin/probe' needs '${PROBE_LIB}', which no library directory of the image has`,
    ]);
  });

  it('the program interpreter dropped', async () => {
    const bundle = await broken(withProbe(['interpreter']));
    expect((await verify(bundle)).problems).toEqual([
      `'usr/local/bin/probe': its interpreter '${PROBE_INTERPRETER}' is not in the image`,
    ]);
  });

  it('onboot.lst out of step with bundle.json', async () => {
    const bundle = await broken(
      inOverlay(async (root) => {
        const path = join(root, 'tmp/builtin/onboot.lst');
        await writeFile(path, (await readFile(path, 'utf8')).replace('bash.tcz\n', ''));
      }),
    );
    expect((await verify(bundle)).problems).toEqual([
      "'tmp/builtin/onboot.lst' is not bundle.json's onboot list: without 'bash.tcz'",
    ]);
  });

  it('a bundle file that is not what bundle.json records', async () => {
    const recorded = sha(await readFile(join(clean, 'LICENSE')));
    const bundle = await broken((b) => writeFile(join(b, 'LICENSE'), 'another licence\n'));
    expect((await verify(bundle)).problems).toEqual([
      `'${bundle}': LICENSE: sha256 is ${sha(Buffer.from('another licence\n'))}, but bundle.json records '${recorded}'`,
    ]);
  });

  it('an initramfs that is not what its manifests and iso-metadata.yaml say', async () => {
    const core = join(dir, 'core.gz');
    fromIso(cleanIso, 'boot/core.gz', core);
    const changed = join(dir, 'core-changed.gz');
    const text = Buffer.from('changed: true\n');
    async function* edited(): AsyncGenerator<ArchiveEntry> {
      for await (const entry of readCpio(core, { allowDevices: true })) {
        yield entry.kind === 'file' && entry.path === 'tmp/mk_conf.yaml'
          ? { ...entry, size: text.length, data: { from: 'buffer', data: text } }
          : entry;
      }
    }
    await pipeline(cpioStream(edited()), createGzip(), createWriteStream(changed));
    const iso = join(dir, 'changed.iso');
    replaceInIso(cleanIso, 'boot/core.gz', changed, iso);
    await copyFile(`${cleanIso}.manifest`, `${iso}.manifest`);
    const [was, now] = [sha(await readFile(core)), sha(await readFile(changed))];
    expect((await verify(iso)).problems).toEqual([
      `'iso-metadata.yaml' says initrd_hash '${was}', but the ISO's is ${now}`,
      `'boot/core.gz:/usr/share/mkbundle/manifest': 'tmp/mk_conf.yaml' differs in the initramfs (size, sha256)`,
      `'${iso}.manifest' says initrd_hash '${was}', but the ISO's is ${now}`,
    ]);
  });
});

describe('verify refuses what it cannot check (exit 2)', () => {
  it('names the file, quoted, and says what it is', async () => {
    const tcz = join(dir, 'ext.bin');
    execFileSync('tar', ['xzf', join(clean, OVERLAY), '-C', dir, `${OPTIONAL}/bash.tcz`]);
    await copyFile(join(dir, OPTIONAL, 'bash.tcz'), tcz);
    const core = join(dir, 'initrd.img');
    fromIso(cleanIso, 'boot/core.gz', core);
    const text = join(dir, 'notes\u0007.txt');
    await writeFile(text, 'hello\n');
    await expect(verify(tcz)).rejects.toThrow(new InputError(`'${tcz}' is not a bundle or an ISO (it is a .tcz)`));
    await expect(verify(core)).rejects.toThrow(new InputError(`'${core}' is not a bundle or an ISO (it is a core.gz)`));
    await expect(verify(text)).rejects.toThrow(new InputError(`'${dir}/notes\\u{7}.txt' is not a bundle or an ISO`));
  });
});
