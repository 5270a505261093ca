/**
 * Where the outputs go, what is said about them, and the dry run, as a user
 * meets them on the command line: the default directories, replacing an
 * earlier output, SHA256SUMS checked by the real sha256sum, -q, and a
 * --dry-run that fails where the real run would.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, sha256 } from '../bundle/harness.js';
import { parseRunJson } from '../helpers/json-schema.js';
import { BIN, buildBundle, fromIso } from '../rebuild/helpers.js';
import { startWorld, type World } from '../world/index.js';

let dir: string;
let world: World;
let cache: string;

const BUNDLE = 'razor-microkernel-bundle-prod.tar.gz';
const ISO = 'rz_mk_prod-image.1.0.iso';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-outputs-'));
  world = await startWorld(join(dir, 'world'));
  cache = join(dir, 'cache');
});
afterAll(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

const lists = (builtin = world.builtinList) => ['-b', builtin, '-m', world.mirrorList];
const bundleRun = (extra: readonly string[], env: NodeJS.ProcessEnv = {}) =>
  runCli([...lists(), ...world.flags, '-p', ...extra], { XDG_CACHE_HOME: cache, ...env });
const sumsCheck = (out: string) =>
  spawnSync('sha256sum', ['-c', '--strict', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' });

/** `mkbundle iso …` in a child whose working directory is `cwd`. */
function isoIn(cwd: string, args: readonly string[]) {
  const run = spawnSync(process.execPath, [BIN, 'iso', ...args], {
    cwd,
    env: { PATH: process.env.PATH },
    encoding: 'utf8',
  });
  return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}

describe('the bundle stage', () => {
  it('writes into build-files/ of the source tree by default, with SHA256SUMS beside it', async () => {
    const out = join(world.source, 'build-files');
    const first = await bundleRun(['--json']);
    expect(first.code).toBe(0);
    const result = parseRunJson(first.stdout);
    const bundle = join(out, BUNDLE);
    expect(result.outputs).toEqual([
      { kind: 'bundle', path: bundle, size: expect.any(Number), sha256: await sha256(bundle), replaced: false },
      {
        kind: 'sha256sums',
        path: join(out, 'SHA256SUMS'),
        size: expect.any(Number),
        sha256: expect.any(String),
        replaced: false,
      },
    ]);
    expect(sumsCheck(out).stdout).toBe(`${BUNDLE}: OK\n`);
    expect(result.steps.map((s: { id: string }) => s.id)).toEqual([
      'project-files',
      'download',
      'overlay',
      'write-bundle',
    ]);

    // Again, beside a file of the user's with its own line: the summary says what it replaced.
    await writeFile(join(out, 'notes.txt'), 'mine\n');
    await writeFile(
      join(out, 'SHA256SUMS'),
      `${await sha256(join(out, 'notes.txt'))}  notes.txt\n${await readFile(join(out, 'SHA256SUMS'), 'utf8')}`,
    );
    const again = await bundleRun([]);
    expect(again.code).toBe(0);
    const [built, hash, sums] = again.stdout.split('\n');
    expect(built).toMatch(new RegExp(`^built ${bundle} \\(prod, [\\d.]+ [KM]iB; replaced an earlier file\\)$`));
    expect([hash, sums]).toEqual([`  sha256 ${await sha256(bundle)}`, `  checksums in ${join(out, 'SHA256SUMS')}`]);
    expect(again.stdout).toMatch(
      /^ {2}steps: Microkernel project files \d+\.\d s, downloads \d+\.\d s, overlay \d+\.\d s, bundle \d+\.\d s; \d+\.\d s in all$/m,
    );
    expect(sumsCheck(out).stdout).toBe(`notes.txt: OK\n${BUNDLE}: OK\n`);
    await rm(out, { recursive: true });
  });

  it('-q: only the paths of the outputs on stdout, nothing on stderr', async () => {
    const out = join(dir, 'quiet');
    const run = await bundleRun(['--out', out, '-q', '-c', await cfgWithUnknownKey()]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${join(out, BUNDLE)}\n${join(out, 'SHA256SUMS')}\n`);
    expect(run.stderr).toBe('');
  });

  it('-q --dry-run: the paths it would write', async () => {
    const out = join(dir, 'quiet-dry');
    const run = await bundleRun(['--out', out, '-q', '--dry-run']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${join(out, BUNDLE)}\n${join(out, 'SHA256SUMS')}\n`);
    expect(run.stderr).toBe('');
  });

  it('--json: a usage error of either stage is a document too, naming the command', async () => {
    const bundle = await runCli(['--json', '-p']);
    expect(bundle.code).toBe(1);
    expect(parseRunJson(bundle.stdout)).toMatchObject({
      command: 'bundle',
      error: {
        code: 'usage',
        message: "the 'builtin-list' and 'mirror-list' must both be specified (-b FILE -m FILE)",
      },
    });
    const iso = await runCli(['iso', '--json']);
    expect(iso.code).toBe(1);
    expect(parseRunJson(iso.stdout)).toMatchObject({ command: 'iso', error: { code: 'usage' } });
  });

  it('a dependency loop both lists reach is one warning, on stderr and in the JSON', async () => {
    const builtin = join(dir, 'builtin-with-ncurses.lst');
    await writeFile(builtin, `${await readFile(world.builtinList, 'utf8')}ncurses.tcz\n`);
    const run = await runCli([...lists(builtin), ...world.flags, '-p', '--out', join(dir, 'loop'), '--json'], {
      XDG_CACHE_HOME: cache,
    });
    expect(run.code).toBe(0);
    const loop =
      "dependency loop: ncurses-common.tcz → ncurses.tcz → ncurses-common.tcz (Tiny Core's tce-load recurses forever on it at boot)";
    expect(run.stderr.split('\n').filter((line) => line.includes('dependency loop'))).toEqual([`warning: ${loop}`]);
    // Beside it only the warning about the world's unpinned tarballs.
    const warnings: string[] = parseRunJson(run.stdout).warnings;
    expect(warnings.filter((w) => !w.includes('not verified against any checksum'))).toEqual([loop]);
    expect(warnings).toHaveLength(2);
  });
});

async function cfgWithUnknownKey(): Promise<string> {
  const cfg = join(dir, 'unknown-key.cfg');
  await writeFile(cfg, 'MK_BUNDLE_NONSENSE=1\n');
  return cfg;
}

describe('--dry-run', () => {
  it('in an empty directory fails as the real run does, with and without --json', async () => {
    const empty = join(dir, 'empty');
    await mkdir(empty);
    const flags = world.flagsFor(empty);
    const real = await runCli([...lists(), ...flags], { XDG_CACHE_HOME: cache });
    const line = `mkbundle: ${empty}: not a Microkernel project tree, missing`;
    expect(real.code).toBe(2);
    const error = real.stderr.trimEnd().split('\n').at(-1) ?? '';
    expect(error.startsWith(line)).toBe(true);
    const dry = await runCli([...lists(), ...flags, '--dry-run'], { XDG_CACHE_HOME: cache });
    expect(dry.code).toBe(2);
    expect(dry.stderr.trimEnd().split('\n')).toEqual([error]);
    expect(dry.stdout).toBe('');
    const json = await runCli([...lists(), ...flags, '--dry-run', '--json'], { XDG_CACHE_HOME: cache });
    expect(parseRunJson(json.stdout)).toMatchObject({
      ok: false,
      exitCode: 2,
      dryRun: true,
      error: { code: 'input', message: error.replace(/^mkbundle: /, '') },
    });
    // The checks made build-files to try it, and took it away again.
    expect(existsSync(join(empty, 'build-files'))).toBe(false);
  });

  it('an --out the real run cannot use, or a cache directory it cannot make, fails the same way', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    for (const extra of [
      ['--out', file],
      ['--out', join(dir, 'fine'), '--cache-dir', '/proc/mkbundle-cache'],
    ]) {
      const real = await bundleRun(extra);
      const dry = await bundleRun([...extra, '--dry-run']);
      expect(real.code).toBe(2);
      expect(dry.code).toBe(2);
      expect(dry.stderr).toBe(`${real.stderr.trimEnd().split('\n').at(-1)}\n`);
    }
    expect(existsSync(join(dir, 'fine'))).toBe(false);
  });

  it('shows where it would write and read, each setting with its origin, and which inputs are cached', async () => {
    const fresh = join(dir, 'fresh-cache');
    const out = join(dir, 'dry-out');
    const before = await bundleRun(['--out', out, '--dry-run', '--json'], { XDG_CACHE_HOME: fresh });
    const plan = parseRunJson(before.stdout).plan;
    expect(plan).toMatchObject({
      outDir: out,
      cacheDir: join(fresh, 'mkbundle'),
      outputs: [
        { kind: 'bundle', path: join(out, BUNDLE), replaces: false },
        { kind: 'sha256sums', path: join(out, 'SHA256SUMS'), replaces: false },
      ],
    });
    expect(plan.inputs.map((i: { url: string }) => i.url)).toContain(world.urls.iso);
    expect(plan.inputs.map((i: { url: string }) => i.url)).toContain(`${world.urls.mirror}/ruby.tcz.md5.txt`);
    expect(plan.inputs.filter((i: { cached: boolean }) => i.cached)).toEqual([]);
    expect(plan.settings).toContainEqual({ setting: 'out', value: out, origin: 'command line' });
    expect(plan.settings).toContainEqual({ setting: 'jobs', value: '8', origin: 'default' });
    expect(existsSync(fresh)).toBe(false);
    expect(existsSync(out)).toBe(false);

    expect((await bundleRun(['--out', out], { XDG_CACHE_HOME: fresh })).code).toBe(0);
    const after = await bundleRun(['--out', out, '--dry-run'], { XDG_CACHE_HOME: fresh });
    expect(after.code).toBe(0);
    const text = after.stdout.split('\n');
    expect(text).toContain(`  ${join(out, BUNDLE)} (replaces the ${BUNDLE} there)`);
    const inputs = plan.inputs.length;
    expect(text).toContain(`download cache: ${join(fresh, 'mkbundle')} (has ${inputs} of the ${inputs} inputs below)`);
    expect(text).toContain(`${world.urls.iso} → bundle Core-current.iso  [cached]`);
    expect(text).toContain(`  ${world.urls.mirror}/ruby.tcz.md5.txt → tmp/builtin/optional/ruby.tcz.md5.txt  [cached]`);
    expect(text).toContainEqual(expect.stringMatching(/^ {2}output directory +\S+ \[command line\]$/));
  });
});

describe('the ISO stage', () => {
  let bundle: string;
  beforeAll(async () => {
    bundle = await buildBundle(world, join(dir, 'for-iso'), 'prod');
  });

  it('writes into the current directory by default; the summary and JSON give its sha256; again, it says it replaced', async () => {
    const cwd = join(dir, 'iso-cwd');
    await mkdir(cwd);
    const first = isoIn(cwd, [bundle, '1.0', '--compress', 'gzip']);
    expect(first.code).toBe(0);
    const iso = join(cwd, ISO);
    const isoSha = await sha256(iso);
    const lines = first.stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^built ${iso} \\(prod, [\\d.]+ [KM]iB, isohybrid\\)$`));
    expect(lines[1]).toBe(`  sha256 ${isoSha}`);
    expect(lines[2]).toBe(`  manifest ${iso}.manifest`);
    expect(lines[3]).toBe(`  checksums in ${join(cwd, 'SHA256SUMS')}`);
    expect(sumsCheck(cwd).stdout).toBe(`${ISO}: OK\n${ISO}.manifest: OK\n`);

    const again = isoIn(cwd, [bundle, '1.0', '--compress', 'gzip', '--json']);
    const result = parseRunJson(again.stdout);
    expect(result.outputs).toEqual([
      { kind: 'iso', path: iso, size: expect.any(Number), sha256: await sha256(iso), replaced: true },
      {
        kind: 'manifest',
        path: `${iso}.manifest`,
        size: expect.any(Number),
        sha256: await sha256(`${iso}.manifest`),
        replaced: true,
      },
      {
        kind: 'sha256sums',
        path: join(cwd, 'SHA256SUMS'),
        size: expect.any(Number),
        sha256: await sha256(join(cwd, 'SHA256SUMS')),
        replaced: true,
      },
    ]);
    fromIso(iso, 'boot/core.gz', join(dir, 'core.gz'));
    expect(result.iso.initrd.sha256).toBe(await sha256(join(dir, 'core.gz')));
    const third = isoIn(cwd, [bundle, '1.0', '--compress', 'gzip']);
    expect(third.stdout.split('\n')[0]).toMatch(/; replaced an earlier file\)$/);
    expect(third.stdout.split('\n')[2]).toBe(`  manifest ${iso}.manifest (replaced an earlier file)`);
  });

  it('-q: the ISO, its manifest and SHA256SUMS, one per line; warnings are not printed', () => {
    const cwd = join(dir, 'iso-quiet');
    const run = isoIn('/', [bundle, '1.0', '--out', cwd, '--compress', 'gzip', '--no-verify', '-q']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(`${join(cwd, ISO)}\n${join(cwd, `${ISO}.manifest`)}\n${join(cwd, 'SHA256SUMS')}\n`);
  });
});
