import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzipStream } from '../../src/archive/gzip.js';
import { parseRunJson } from '../helpers/json-schema.js';
import { startWorld, type World } from '../world/index.js';
import { asNobody, BIN, buildBundle, cpioList, fromIso, isoAsNobody, openDir, type Run } from './helpers.js';

const VERSION = '3.2.1';
const EPOCH = '1700000000';
let dir: string;
let world: World;
let bundle: string;
/** A PATH with what the ISO stage needs (node, xorriso) and no advdef. */
let noAdvdef: string;

interface Initrd {
  readonly cpioSize: number;
  readonly gzipSize: number;
  readonly size: number;
  readonly encoder: string;
  readonly kept: string;
  readonly members: number;
  readonly compression: string;
  readonly fallback: string | null;
}

async function outDir(name: string): Promise<string> {
  const path = join(dir, name);
  await mkdir(path);
  await chmod(path, 0o777);
  return path;
}

/** The result's initrd, and the core.gz the ISO holds. */
async function built(run: Run, out: string): Promise<{ initrd: Initrd; coreGz: string }> {
  expect(run.stderr).not.toMatch(/^(mkbundle|rebuild-iso): /m);
  expect(run.code).toBe(0);
  const coreGz = join(out, 'core.gz');
  fromIso(join(out, `rz_mk_dev-image.${VERSION}.iso`), 'boot/core.gz', coreGz);
  return { initrd: parseRunJson(run.stdout).iso.initrd as Initrd, coreGz };
}

/** The bundle unpacked, with its native addon as given: absent (null) or replaced by these bytes. */
async function unpacked(name: string, addon: Buffer | null): Promise<string> {
  const path = await outDir(name);
  execFileSync('tar', ['xzf', bundle, '-C', path]);
  await rm(join(path, 'mkbundle-native.node'));
  if (addon !== null) await writeFile(join(path, 'mkbundle-native.node'), addon);
  return path;
}

const rebuild = (bundleDir: string, args: readonly string[], path?: string): Run =>
  asNobody(join(bundleDir, 'rebuild-iso'), [VERSION, '--json', '--out', bundleDir, ...args], {
    SOURCE_DATE_EPOCH: EPOCH,
    ...(path === undefined ? {} : { PATH: path }),
  });

/** A shared object that links a library no machine has, as the addon is where libdeflate0 is missing. */
async function needingMissingLibrary(): Promise<Buffer> {
  const work = join(dir, 'missing-lib');
  await mkdir(work);
  await writeFile(join(work, 'gone.c'), 'int mkbundle_gone(void) { return 1; }\n');
  await writeFile(join(work, 'addon.c'), 'int mkbundle_gone(void);\nint addon(void) { return mkbundle_gone(); }\n');
  const cc = (args: string) => execFileSync('sh', ['-c', `cd ${work} && gcc ${args}`]);
  cc('-shared -fPIC -Wl,-soname,libmkbundle-gone.so.0 -o libmkbundle-gone.so gone.c');
  cc('-shared -fPIC -o addon.node addon.c -L. -lmkbundle-gone');
  return readFile(join(work, 'addon.node'));
}

const notes = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('note: '));

beforeAll(async () => {
  dir = await openDir('mk-iso-compress-');
  world = await startWorld(join(dir, 'world'));
  bundle = await buildBundle(world, join(dir, 'bundles'), 'dev', [], { SOURCE_DATE_EPOCH: EPOCH });
  noAdvdef = join(dir, 'bin');
  await mkdir(noAdvdef);
  for (const tool of ['node', 'xorriso', 'dirname', 'setpriv']) {
    await symlink(
      execFileSync('sh', ['-c', `command -v ${tool}`])
        .toString()
        .trim(),
      join(noAdvdef, tool),
    );
  }
}, 600_000);
afterAll(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

/** Each run's result, by label: the later tests compare with the default's core.gz. */
const results = new Map<string, { initrd: Initrd; content: Buffer; coreGz: Buffer }>();

describe('mkbundle iso --compress', () => {
  const run = async (label: string, args: readonly string[]) => {
    const out = await outDir(label);
    const result = await built(
      isoAsNobody(bundle, VERSION, ['--json', '--out', out, ...args], { SOURCE_DATE_EPOCH: EPOCH }),
      out,
    );
    const coreGz = await readFile(result.coreGz);
    results.set(label, { initrd: result.initrd, content: gunzipSync(coreGz), coreGz });
    return { ...result, coreGz };
  };

  it('by default, libdeflate 12: smaller than gzip -9 here, and what GNU cpio reads', async () => {
    const { initrd, coreGz } = await run('default', []);
    expect(initrd).toMatchObject({ encoder: 'libdeflate', kept: 'libdeflate 12', size: coreGz.length });
    expect(initrd.fallback).toBeNull();
    expect(initrd.size).toBeLessThan(initrd.gzipSize);
    expect(initrd.members).toBeGreaterThanOrEqual(1);
    const members = `${initrd.members} member${initrd.members === 1 ? '' : 's'}`;
    expect(initrd.compression).toMatch(
      new RegExp(
        `^libdeflate 12: ${initrd.cpioSize} → ${initrd.size} bytes in ${members} \\(${((100 * initrd.size) / initrd.gzipSize).toFixed(2)}% of gzip -9(; .*)?\\)$`,
      ),
    );
    expect(gunzipSync(coreGz).length).toBe(initrd.cpioSize);
    expect(cpioList(join(dir, 'default', 'core.gz')).some((l) => / tmp\/mk-version\.yaml$/.test(l))).toBe(true);
  });

  it('libdeflate asked for by name gives the same core.gz', async () => {
    const { initrd, coreGz } = await run('libdeflate', ['--compress', 'libdeflate']);
    expect(initrd.encoder).toBe('libdeflate');
    expect(coreGz.equals(results.get('default')?.coreGz ?? Buffer.alloc(0))).toBe(true);
  });

  it('gzip is gzip -9 of the same cpio, byte for byte; --no-recompress is the same', async () => {
    const { initrd, coreGz } = await run('gzip', ['--compress', 'gzip']);
    expect(initrd).toMatchObject({ encoder: 'gzip', kept: 'gzip -9', size: initrd.gzipSize });
    expect(initrd.compression).toBe(`gzip -9: ${initrd.cpioSize} → ${initrd.gzipSize} bytes`);
    const again: Buffer[] = [];
    const stream = gzipStream(9);
    stream.on('data', (chunk: Buffer) => again.push(chunk));
    const ended = new Promise((resolve) => stream.on('end', resolve));
    stream.end(gunzipSync(coreGz));
    await ended;
    expect(Buffer.concat(again).equals(coreGz)).toBe(true);
    const alias = await run('no-recompress', ['--no-recompress']);
    expect(alias.coreGz.equals(coreGz)).toBe(true);
  });

  it('advdef -z4 is never larger than gzip -9 and says which output it kept', async () => {
    const { initrd, coreGz } = await run('advdef', ['--compress', 'advdef']);
    expect(initrd.encoder).toBe('advdef');
    expect(initrd.size).toBe(coreGz.length);
    expect(initrd.size).toBeLessThanOrEqual(initrd.gzipSize);
    expect(initrd.compression).toMatch(
      initrd.kept === 'advdef -z4' ? /^advdef -z4: \d+ → \d+ bytes \(\d+\.\d\d% of gzip -9\)$/ : /^gzip -9 kept/,
    );
    expect(cpioList(join(dir, 'advdef', 'core.gz')).length).toBeGreaterThan(100);
  });

  it('max: libdeflate, and advdef -z4 on members of already-compressed data, never larger than the default', async () => {
    const { initrd, coreGz } = await run('max', ['--compress', 'max']);
    expect(initrd).toMatchObject({ encoder: 'max', size: coreGz.length });
    expect(initrd.fallback).toBeNull();
    expect(initrd.size).toBeLessThanOrEqual(results.get('default')?.initrd.size ?? 0);
    expect(initrd.members).toBe(results.get('default')?.initrd.members);
    expect(initrd.compression).toMatch(/^libdeflate 12 \+ advdef -z4: \d+ → \d+ bytes in \d+ members? \(/);
    expect(cpioList(join(dir, 'max', 'core.gz')).length).toBeGreaterThan(100);
  });

  it('every encoder packs the same cpio', () => {
    const contents = [...results.values()].map((r) => r.content);
    expect(contents).toHaveLength(6);
    for (const content of contents) expect(content.equals(contents[0] ?? Buffer.alloc(0))).toBe(true);
  });

  it('shows the compression as a step of its own, and the encoder in the summary', async () => {
    const out = await outDir('plain');
    const plain = isoAsNobody(bundle, VERSION, ['--out', out]);
    expect(plain.code).toBe(0);
    expect(plain.stderr).toContain(
      '==> merge the initramfs\n==> compress core.gz (libdeflate 12)\n==> write the ISO\n',
    );
    expect(plain.stdout).toMatch(
      / entries; libdeflate 12: \d+ → \d+ bytes in \d+ members? \(\d+\.\d\d% of gzip -9[^)]*\)\)\n/,
    );
    expect(plain.stdout).toMatch(
      /steps: .*merge the initramfs [\d.]+ s, compress core\.gz \(libdeflate 12\) [\d.]+ s,/,
    );
  });
});

describe('--compress errors', () => {
  it('refuses an unknown encoder, and --no-recompress with another one, with where the help is', () => {
    const unknown = isoAsNobody(bundle, VERSION, ['--compress', 'zopfli\u001b[2J']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(
      /^mkbundle: error: option '--compress' must be libdeflate, max, advdef, gzip, got "zopfli\\u001b\[2J"\nsee 'mkbundle iso --help'\n$/,
    );
    const both = isoAsNobody(bundle, VERSION, ['--no-recompress', '--compress', 'advdef']);
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/^mkbundle: error: --no-recompress \(gzip\) contradicts --compress advdef\n/);
  });

  it('advdef asked for and not installed: exit 6 naming the package, before any work', async () => {
    const out = join(dir, 'never');
    const missing = asNobody(
      join(noAdvdef, 'node'),
      [BIN, 'iso', bundle, VERSION, '--compress', 'advdef', '--out', out, '--json'],
      {
        PATH: noAdvdef,
      },
    );
    expect(missing.code).toBe(6);
    expect(missing.stderr).toBe(
      "mkbundle: advdef not found: install the Debian package 'advancecomp' (apt-get install advancecomp)\n",
    );
    expect(parseRunJson(missing.stdout).error).toEqual({
      code: 'tool-missing',
      message: "advdef not found: install the Debian package 'advancecomp' (apt-get install advancecomp)",
      program: 'advdef',
      package: 'advancecomp',
    });
    expect(existsSync(out)).toBe(false);
  });

  it('max without advdef: libdeflate alone, with a one-line note', async () => {
    const out = await outDir('max-no-advdef');
    const run = asNobody(
      join(noAdvdef, 'node'),
      [BIN, 'iso', bundle, VERSION, '--compress', 'max', '--json', '--out', out],
      { PATH: noAdvdef, SOURCE_DATE_EPOCH: EPOCH },
    );
    const { initrd, coreGz } = await built(run, out);
    const note =
      'advdef not found (Debian package advancecomp): --compress max compresses core.gz with libdeflate 12 alone';
    expect(notes(run.stderr)).toEqual([`note: ${note}`]);
    expect(initrd).toMatchObject({ encoder: 'libdeflate', fallback: note });
    expect((await readFile(coreGz)).equals(results.get('default')?.coreGz ?? Buffer.alloc(0))).toBe(true);
  });
});

describe('./rebuild-iso where the native addon cannot load', () => {
  it('falls back to advdef -z4 when installed, with a one-line note, and builds the ISO', async () => {
    const bundleDir = await unpacked('garbage-addon', Buffer.alloc(4096, 'not an ELF file\n'));
    const run = rebuild(bundleDir, []);
    const { initrd, coreGz } = await built(run, bundleDir);
    const [note, ...more] = notes(run.stderr);
    expect(more).toEqual([]);
    expect(note).toMatch(
      new RegExp(
        `^note: libdeflate: native addon ${bundleDir}/mkbundle-native\\.node: invalid ELF header; compressing core\\.gz with advdef -z4 instead$`,
      ),
    );
    expect(initrd).toMatchObject({ encoder: 'advdef', fallback: note?.slice('note: '.length) });
    expect(initrd.size).toBeLessThanOrEqual(initrd.gzipSize);
    expect(cpioList(coreGz).length).toBeGreaterThan(100);
  });

  it('falls back to gzip -9 without advdef (here the addon needs a library the machine lacks)', async () => {
    const bundleDir = await unpacked('missing-library', await needingMissingLibrary());
    const run = rebuild(bundleDir, [], noAdvdef);
    const { initrd } = await built(run, bundleDir);
    expect(notes(run.stderr)).toEqual([
      `note: libdeflate: native addon ${bundleDir}/mkbundle-native.node: libmkbundle-gone.so.0: cannot open shared object file: No such file or directory; compressing core.gz with gzip -9 instead`,
    ]);
    expect(initrd).toMatchObject({ encoder: 'gzip', kept: 'gzip -9', size: initrd.gzipSize });
  });

  it('with --compress libdeflate (or max), stops with exit 6 saying what is missing', async () => {
    const bundleDir = await unpacked('no-addon', null);
    const run = rebuild(bundleDir, ['--compress', 'libdeflate']);
    expect(run.code).toBe(6);
    expect(parseRunJson(run.stdout).error.code).toBe('tool-missing.addon');
    expect(run.stderr).toBe(
      'rebuild-iso: libdeflate: native addon: neither mkbundle-native.node nor native/build/Release/squashfs.node found (run npm install)\n',
    );
    const max = rebuild(bundleDir, ['--compress', 'max']);
    expect(max.code).toBe(6);
    expect(max.stderr).toBe(run.stderr);
    const short = await unpacked('short-addon', Buffer.from('not an ELF file\n'));
    const again = rebuild(short, ['--compress', 'libdeflate']);
    expect(again.code).toBe(6);
    expect(again.stderr).toBe(`rebuild-iso: libdeflate: native addon ${short}/mkbundle-native.node: file too short\n`);
  });
});
