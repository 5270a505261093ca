import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRunJson } from '../helpers/json-schema.js';
import { startWorld, type World } from '../world/index.js';
import { tarGz } from '../world/tarballs.js';
import { asNobody, buildBundle, isoAsNobody, openDir, replaceInIso, unpackBundle } from './helpers.js';

/**
 * The ISO stage checks what it reads (Core ISO, dependency tarballs,
 * COPYING, LICENSE) against bundle.json before using it: exit 4 naming the
 * file and both hashes; --no-verify builds anyway, with a warning.
 */
let dir: string;
let world: World;
let clean: string;
let coreSha: string;

const FAST = ['--no-recompress'];
const ZEROS = '0'.repeat(64);
const sha = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const steps = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('==> '));
const problems = (stderr: string) => stderr.split('\n').filter((l) => l !== '' && !l.startsWith('==> '));

/** A copy of the clean unpacked bundle, changed by `edit`. */
async function variant(name: string, edit: (bundle: string) => Promise<void>): Promise<string> {
  const bundle = join(dir, name);
  await cp(clean, bundle, { recursive: true });
  await edit(bundle);
  return bundle;
}

async function editManifest(bundle: string, change: (manifest: Record<string, unknown>) => unknown): Promise<void> {
  const file = join(bundle, 'bundle.json');
  const manifest = JSON.parse(await readFile(file, 'utf8'));
  await writeFile(file, JSON.stringify(change(manifest) ?? manifest, null, 2));
}

/** Another ISO of the same shape: Core with one more file. */
async function swapCoreIso(bundle: string): Promise<void> {
  const extra = join(dir, 'extra.txt');
  await writeFile(extra, 'not the Core ISO bundle.json names\n');
  const iso = join(bundle, 'Core-current.iso');
  await rm(iso);
  replaceInIso(join(clean, 'Core-current.iso'), 'extra.txt', extra, iso);
}

beforeAll(async () => {
  dir = await openDir('mk-iso-verify-');
  world = await startWorld(join(dir, 'world'));
  clean = await unpackBundle(await buildBundle(world, join(dir, 'bundles'), 'dev'), join(dir, 'clean'));
  coreSha = sha(await readFile(join(clean, 'Core-current.iso')));
}, 600_000);
afterAll(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

describe('bundle.json records every file of the bundle', () => {
  it('with its size and SHA-256, and the download the Core ISO is', async () => {
    const manifest = JSON.parse(await readFile(join(clean, 'bundle.json'), 'utf8'));
    const names = [
      ...(await readdir(clean)).filter((n) => n !== 'bundle.json' && n !== 'dependencies'),
      ...(await readdir(join(clean, 'dependencies'))).map((n) => `dependencies/${n}`),
    ].sort();
    expect(Object.keys(manifest.files).sort()).toEqual(names);
    for (const name of names) {
      const data = await readFile(join(clean, name));
      expect(manifest.files[name], name).toMatchObject({ size: data.length, sha256: sha(data) });
    }
    expect(manifest.files['Core-current.iso'].url).toBe(world.urls.iso);
    expect(manifest.inputs.find((i: { url: string }) => i.url === world.urls.iso).sha256).toBe(coreSha);
  });
});

describe('mkbundle iso checks the bundle before the work', () => {
  it('refuses zeroed hashes with exit 4, naming the file and both hashes', async () => {
    const bundle = await variant('zeroed', (b) =>
      editManifest(b, (m) =>
        JSON.parse(JSON.stringify(m).replace(/"sha256": ?"[0-9a-f]{64}"/g, `"sha256":"${ZEROS}"`)),
      ),
    );
    const out = join(dir, 'out-zeroed');
    const run = isoAsNobody(bundle, '1.0', ['--out', out, '--json', ...FAST]);
    expect(run.code).toBe(4);
    const line = `${bundle}: Core-current.iso: sha256 is ${coreSha}, but bundle.json records '${ZEROS}'`;
    expect(problems(run.stderr)).toEqual([`mkbundle: ${line}`]);
    expect(steps(run.stderr)).toEqual(['==> bundle', '==> verify the bundle']);
    expect(parseRunJson(run.stdout)).toMatchObject({
      ok: false,
      exitCode: 4,
      error: { code: 'integrity', message: line, step: 'verify-bundle' },
      steps: [{ id: 'open-bundle' }],
    });
    expect(existsSync(out)).toBe(false);
  });

  it("refuses a Core ISO whose download record disagrees (only the inputs' hashes zeroed)", async () => {
    const bundle = await variant('inputs-zeroed', (b) =>
      editManifest(b, (m) => {
        for (const input of m.inputs as { sha256: string }[]) input.sha256 = ZEROS;
      }),
    );
    const run = isoAsNobody(bundle, '1.0', ['--out', join(dir, 'out-inputs'), ...FAST]);
    expect(run.code).toBe(4);
    expect(problems(run.stderr)).toEqual([
      `mkbundle: ${bundle}: Core-current.iso: sha256 is ${coreSha}, but bundle.json records '${ZEROS}' for its download '${world.urls.iso}'`,
    ]);
  });

  it('refuses a Core ISO swapped for another ISO', async () => {
    const bundle = await variant('swapped', swapCoreIso);
    const swapped = sha(await readFile(join(bundle, 'Core-current.iso')));
    const run = isoAsNobody(bundle, '1.0', ['--out', join(dir, 'out-swapped'), ...FAST]);
    expect(run.code).toBe(4);
    expect(problems(run.stderr)).toEqual([
      `mkbundle: ${bundle}: Core-current.iso: sha256 is ${swapped}, but bundle.json records '${coreSha}'`,
    ]);
  });

  it('refuses a changed dependency tarball, a changed LICENSE and a file without a record', async () => {
    const overlay = 'dependencies/razor-microkernel-overlay.tar.gz';
    const other = tarGz([{ type: 'file', path: 'etc/motd', data: 'someone else\n' }]);
    const changed = await variant('dependency', (b) => writeFile(join(b, overlay), other));
    const run = isoAsNobody(changed, '1.0', ['--out', join(dir, 'out-dependency'), ...FAST]);
    expect(run.code).toBe(4);
    const recorded = sha(await readFile(join(clean, overlay)));
    expect(problems(run.stderr)).toEqual([
      `mkbundle: ${changed}: ${overlay}: sha256 is ${sha(other)}, but bundle.json records '${recorded}'`,
    ]);

    const licence = await variant('licence', (b) => writeFile(join(b, 'LICENSE'), 'another licence\n'));
    const edited = isoAsNobody(licence, '1.0', ['--out', join(dir, 'out-licence'), ...FAST]);
    expect(edited.code).toBe(4);
    expect(problems(edited.stderr)[0]).toMatch(
      new RegExp(`^mkbundle: ${licence}: LICENSE: sha256 is ${sha('another licence\n')}, `),
    );

    const unrecorded = await variant('unrecorded', (b) =>
      editManifest(b, (m) => {
        delete (m.files as Record<string, unknown>)[overlay];
      }),
    );
    const missing = isoAsNobody(unrecorded, '1.0', ['--out', join(dir, 'out-unrecorded'), ...FAST]);
    expect(missing.code).toBe(4);
    expect(problems(missing.stderr)).toEqual([
      `mkbundle: ${unrecorded}: bundle.json records no sha256 for ${overlay} (--no-verify builds without checking)`,
    ]);
  });

  it('checks a bundle tarball the same way', async () => {
    const bundle = await variant('swapped-for-tarball', swapCoreIso);
    const tarball = join(dir, 'swapped.tar.gz');
    execFileSync('tar', ['czf', tarball, '-C', bundle, '.']);
    const run = isoAsNobody(tarball, '1.0', ['--out', join(dir, 'out-tarball'), ...FAST]);
    expect(run.code).toBe(4);
    expect(problems(run.stderr)[0]).toMatch(
      new RegExp(`^mkbundle: ${tarball}: Core-current.iso: sha256 is [0-9a-f]{64}, `),
    );
  });

  it('--no-verify builds an edited bundle, saying it did not check', async () => {
    const bundle = await variant('no-verify', swapCoreIso);
    const out = join(dir, 'out-no-verify');
    const run = isoAsNobody(bundle, '1.0', ['--out', out, '--no-verify', '--json', ...FAST]);
    expect(run.code).toBe(0);
    expect(problems(run.stderr)).toEqual([`warning: --no-verify: ${bundle} was not checked against its bundle.json`]);
    expect(steps(run.stderr)).not.toContain('==> verify the bundle');
    const result = parseRunJson(run.stdout);
    expect(result).toMatchObject({ ok: true, iso: { verified: false } });
    expect(result.warnings).toEqual([`--no-verify: ${bundle} was not checked against its bundle.json`]);
    expect(result.steps.map((s: { id: string }) => s.id)).not.toContain('verify-bundle');
    expect(existsSync(join(out, 'rz_mk_dev-image.1.0.iso'))).toBe(true);
  });

  it('a clean bundle passes, and the JSON says it was verified', () => {
    const run = isoAsNobody(clean, '1.0', ['--out', join(dir, 'out-clean'), '--json', ...FAST]);
    expect(problems(run.stderr)).toEqual([]);
    expect(run.code).toBe(0);
    const result = parseRunJson(run.stdout);
    expect(result).toMatchObject({ ok: true, warnings: [], iso: { verified: true } });
    expect(result.steps.map((s: { id: string }) => s.id)).toEqual([
      'open-bundle',
      'verify-bundle',
      'read-core-iso',
      'merge',
      'write-iso',
    ]);
  });
});

describe('./rebuild-iso checks its bundle too', () => {
  it('exit 4 naming the file; --no-verify in its --help', async () => {
    const bundle = await variant('rebuild-swapped', swapCoreIso);
    const run = asNobody(join(bundle, 'rebuild-iso'), ['1.0', '--out', join(dir, 'out-rebuild'), ...FAST]);
    expect(run.code).toBe(4);
    expect(problems(run.stderr)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^rebuild-iso: ${bundle}: Core-current.iso: sha256 is [0-9a-f]{64}, but bundle.json records '${coreSha}'$`,
        ),
      ),
    ]);
    const help = asNobody(join(bundle, 'rebuild-iso'), ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--no-verify');
    expect(help.stdout.replace(/\s+/g, ' ')).toContain('against bundle.json');
  });
});
