import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../bundle/harness.js';
import { parseRunJson } from '../helpers/json-schema.js';
import { startWorld, type World } from '../world/index.js';
import { buildBundle, isoAsNobody, isRoot, mountTmpfs, openDir, unmount, unpackBundle } from './helpers.js';

/**
 * Where the ISO stage writes: --out, the final names, TMPDIR. Every
 * problem there is exit 2 naming the path and the reason, found before the
 * long work where it can be; the ISO and its manifest appear together or
 * not at all, and an earlier pair stays as it was.
 */
let dir: string;
let world: World;
let bundle: string;
/** The pair a run with NEW_EPOCH writes, and the different pair an earlier run (OLD_EPOCH) left. */
let fresh: { iso: Buffer; manifest: Buffer };
let earlier: { iso: Buffer; manifest: Buffer };

const ISO = 'rz_mk_prod-image.1.0.iso';
const MANIFEST = `${ISO}.manifest`;
const NEW_EPOCH = { SOURCE_DATE_EPOCH: '1700000000' };
const OLD_EPOCH = { SOURCE_DATE_EPOCH: '1600000000' };
const FAST = ['--no-recompress'];
const mounted: string[] = [];

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const pages = (bytes: number) => Math.ceil(bytes / 4096) * 4096;
const withoutSteps = (stderr: string) => stderr.split('\n').filter((l) => !l.startsWith('==> '));
const steps = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('==> '));

async function writable(name: string): Promise<string> {
  const path = join(dir, name);
  await mkdir(path, { recursive: true });
  await chmod(path, 0o777);
  return path;
}

async function tmpfs(name: string, bytes: number): Promise<string> {
  const path = join(dir, name);
  await mountTmpfs(path, `${Math.ceil(bytes / 1024)}k`);
  mounted.push(path);
  return path;
}

async function pairIn(out: string): Promise<{ iso: Buffer; manifest: Buffer }> {
  return { iso: await readFile(join(out, ISO)), manifest: await readFile(join(out, MANIFEST)) };
}

beforeAll(async () => {
  dir = await openDir('mk-iso-outputs-');
  world = await startWorld(join(dir, 'world'));
  bundle = await unpackBundle(await buildBundle(world, join(dir, 'bundles'), 'prod'), join(dir, 'bundle'));
  const a = await writable('reference-new');
  const b = await writable('reference-old');
  for (const [out, env] of [
    [a, NEW_EPOCH],
    [b, OLD_EPOCH],
  ] as const) {
    const run = isoAsNobody(bundle, '1.0', ['--out', out, ...FAST], env);
    if (run.code !== 0) throw new Error(`reference build failed: ${run.stderr}`);
  }
  fresh = await pairIn(a);
  earlier = await pairIn(b);
}, 600_000);
afterEach(() => {
  for (const path of mounted.splice(0)) unmount(path);
});
afterAll(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

describe('--out problems are found before the work, exit 2 naming the path', () => {
  it('a read-only directory', async () => {
    const out = join(dir, 'read-only');
    await mkdir(out, { mode: 0o755 });
    const run = isoAsNobody(bundle, '1.0', ['--out', out]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`==> bundle\nmkbundle: cannot write into ${out}: permission denied\n`);
  });

  it('a file, or a path under a file', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    const run = isoAsNobody(bundle, '1.0', ['--out', file, '--json']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`==> bundle\nmkbundle: cannot write into ${file}: not a directory\n`);
    expect(parseRunJson(run.stdout)).toMatchObject({
      ok: false,
      exitCode: 2,
      error: { code: 'input', message: `cannot write into ${file}: not a directory`, step: 'open-bundle' },
    });
    const under = isoAsNobody(bundle, '1.0', ['--out', join(file, 'sub')]);
    expect(under.code).toBe(2);
    expect(under.stderr).toBe(`==> bundle\nmkbundle: cannot write into ${join(file, 'sub')}: not a directory\n`);
  });

  it.skipIf(!isRoot)('a directory under /proc, which root may write but where no directory can be made', async () => {
    const out = '/proc/mkbundle-out';
    const run = await runCli(['iso', bundle, '1.0', '--out', out, ...FAST]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `mkbundle: cannot create the output directory ${out}: /proc takes no new directories\n`,
    );
  });

  it('a directory yet to be made under one this user cannot write', async () => {
    const parent = join(dir, 'locked');
    await mkdir(parent, { mode: 0o755 });
    const out = join(parent, 'a', 'b');
    const run = isoAsNobody(bundle, '1.0', ['--out', out]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`==> bundle\nmkbundle: cannot write into ${out}: ${parent}: permission denied\n`);
  });

  it.skipIf(!isRoot)('a read-only file system (mounting one needs root)', async () => {
    const out = await tmpfs('ro-mount', 1 << 20);
    execFileSync('mount', ['-o', 'remount,ro', out]);
    const run = isoAsNobody(bundle, '1.0', ['--out', out]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`==> bundle\nmkbundle: cannot write into ${out}: read-only file system\n`);
  });

  it('a directory where the ISO or its manifest goes, before the long work', async () => {
    for (const name of [ISO, MANIFEST]) {
      const out = await writable(`in-the-way-${name}`);
      await mkdir(join(out, name));
      const run = isoAsNobody(bundle, '1.0', ['--out', out]);
      expect(run.code).toBe(2);
      expect(withoutSteps(run.stderr)).toEqual([`mkbundle: cannot write ${join(out, name)}: is a directory`, '']);
      expect(steps(run.stderr)).toEqual(['==> bundle']);
      expect(await readdir(out)).toEqual([name]);
    }
  });
});

describe('TMPDIR problems, exit 2 naming it', () => {
  it('one this user cannot write, or one that does not exist', async () => {
    const locked = join(dir, 'tmp-locked');
    await mkdir(locked, { mode: 0o755 });
    const out = await writable('out-tmp');
    const run = isoAsNobody(bundle, '1.0', ['--out', out], { TMPDIR: locked });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`mkbundle: cannot make a scratch directory in ${locked} (TMPDIR): permission denied\n`);
    const missing = join(dir, 'no-such-tmp');
    const gone = isoAsNobody(bundle, '1.0', ['--out', out], { TMPDIR: missing });
    expect(gone.code).toBe(2);
    expect(gone.stderr).toBe(
      `mkbundle: cannot make a scratch directory in ${missing} (TMPDIR): no such file or directory\n`,
    );
    expect(await readdir(out)).toEqual([]);
  });
});

describe.skipIf(!isRoot)('a full disk (tmpfs mounts need root)', () => {
  it('in --out: exit 2 naming the ISO, nothing left there', async () => {
    const out = await tmpfs('full-out', fresh.iso.length / 2);
    const run = isoAsNobody(bundle, '1.0', ['--out', out, ...FAST]);
    expect(run.code).toBe(2);
    expect(withoutSteps(run.stderr)).toEqual([`mkbundle: cannot write ${join(out, ISO)}: no space left on device`, '']);
    expect(await readdir(out)).toEqual([]);
  });

  // From a few hundred KiB (the Core's core.gz does not fit) to just short of what the stage needs
  // (the new core.gz, advdef's copy of it, the ISO's boot tree): each is a different write failing.
  it.each([
    ['600k', FAST],
    ['1200k', FAST],
    ['2200k', FAST],
    ['2400k', []],
    ['2800k', FAST],
  ])('in TMPDIR of %s: exit 2 naming the file there, the scratch removed', async (size, extra) => {
    const scratch = join(dir, `full-tmp-${size}`);
    await mountTmpfs(scratch, size);
    mounted.push(scratch);
    const out = await writable(`out-full-tmp-${size}`);
    const run = isoAsNobody(bundle, '1.0', ['--out', out, ...extra], { TMPDIR: scratch });
    expect(run.code).toBe(2);
    const [line, ...rest] = withoutSteps(run.stderr);
    expect(line).toMatch(
      new RegExp(`^mkbundle: cannot write ${scratch}/mkbundle-iso-stage-\\S+: no space left on device$`),
    );
    expect(rest).toEqual(['']);
    expect(await readdir(scratch)).toEqual([]);
    expect(await readdir(out)).toEqual([]);
  });
});

describe.skipIf(!isRoot)(
  'the ISO, its manifest and SHA256SUMS appear together or not at all (tmpfs mounts need root)',
  () => {
    const room = () => ({ iso: pages(fresh.iso.length), manifest: pages(fresh.manifest.length) });
    const SUMS = 'SHA256SUMS';
    const earlierSums = () => `${sha(earlier.iso)}  ${ISO}\n${sha(earlier.manifest)}  ${MANIFEST}\n`;
    const oldPair = () => pages(earlier.iso.length) + pages(earlier.manifest.length) + pages(earlierSums().length);
    // The manifest is written first, then xorriso writes the ISO, then SHA256SUMS: a disk that fills in any leaves the old state.
    const sizes: [string, (old: number) => number, 'old' | 'new'][] = [
      ['a disk that fills while the manifest is written', (old) => old + room().manifest / 2, 'old'],
      ['a disk that fills while the ISO is written', (old) => old + room().manifest + room().iso / 2, 'old'],
      ['a disk with room for the ISO and the manifest only', (old) => old + room().manifest + room().iso, 'old'],
      ['a disk with room for all three', (old) => old + room().manifest + room().iso + 65536, 'new'],
    ];

    describe.each([
      ['with an earlier pair', true],
      ['without an earlier pair', false],
    ])('%s', (_label, withEarlier) => {
      it.each(sizes)('%s', async (when, size, expected) => {
        const out = await tmpfs(`pair-${withEarlier}-${when.replace(/\W+/g, '-')}`, size(withEarlier ? oldPair() : 0));
        if (withEarlier) {
          await writeFile(join(out, ISO), earlier.iso);
          await writeFile(join(out, MANIFEST), earlier.manifest);
          await writeFile(join(out, SUMS), earlierSums());
        }
        const run = isoAsNobody(bundle, '1.0', ['--out', out, ...FAST], NEW_EPOCH);
        const names = (await readdir(out)).sort();
        if (expected === 'new') {
          expect(run.code).toBe(0);
          expect(names).toEqual([SUMS, ISO, MANIFEST]);
          const pair = await pairIn(out);
          expect([sha(pair.iso), sha(pair.manifest)]).toEqual([sha(fresh.iso), sha(fresh.manifest)]);
          expect(execFileSync('sha256sum', ['-c', SUMS], { cwd: out, encoding: 'utf8' })).toBe(
            `${ISO}: OK\n${MANIFEST}: OK\n`,
          );
          return;
        }
        expect(run.code).toBe(2);
        expect(withoutSteps(run.stderr)[0]).toMatch(
          new RegExp(
            `^mkbundle: cannot write ${out}/(rz_mk_prod-image\\.1\\.0\\.iso(\\.manifest)?|SHA256SUMS): no space left on device$`,
          ),
        );
        if (!withEarlier) {
          expect(names).toEqual([]);
          return;
        }
        expect(names).toEqual([SUMS, ISO, MANIFEST]);
        const pair = await pairIn(out);
        expect([sha(pair.iso), sha(pair.manifest)]).toEqual([sha(earlier.iso), sha(earlier.manifest)]);
        expect(await readFile(join(out, SUMS), 'utf8')).toBe(earlierSums());
        expect((await stat(join(out, ISO))).nlink).toBe(1);
      });
    });

    it('the reference pairs differ, so old and new can be told apart', () => {
      expect(sha(fresh.iso)).not.toBe(sha(earlier.iso));
      expect(sha(fresh.manifest)).not.toBe(sha(earlier.manifest));
    });
  },
);
