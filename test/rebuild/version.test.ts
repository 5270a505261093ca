import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRunJson } from '../helpers/json-schema.js';
import { startWorld, type World } from '../world/index.js';
import { asNobody, buildBundle, isoAsNobody, openDir } from './helpers.js';

const RECORDED = '1.2.3+4-gabcdef0-dirty';
let dir: string;
let world: World;
/** Unpacked bundles whose bundle.json records RECORDED, nothing, and a version the rules refuse. */
let recorded: string;
let unrecorded: string;
let badlyRecorded: string;
let notAString: string;
/** RECORDED in a bundle tarball. */
let recordedTarball: string;

async function unpackWith(tarball: string, name: string, version: unknown): Promise<string> {
  const path = join(dir, name);
  await mkdir(path);
  execFileSync('tar', ['xzf', tarball, '-C', path]);
  const file = join(path, 'bundle.json');
  const { version: _, ...manifest } = JSON.parse(await readFile(file, 'utf8'));
  await writeFile(file, JSON.stringify(version === undefined ? manifest : { ...manifest, version }));
  await chmod(path, 0o777);
  return path;
}

async function outDir(name: string): Promise<string> {
  const path = join(dir, name);
  await mkdir(path);
  await chmod(path, 0o777);
  return path;
}

const notes = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('note: '));

beforeAll(async () => {
  dir = await openDir('mk-iso-version-');
  world = await startWorld(join(dir, 'world'));
  const tarball = await buildBundle(world, join(dir, 'bundles'), 'dev');
  recorded = await unpackWith(tarball, 'recorded', RECORDED);
  unrecorded = await unpackWith(tarball, 'unrecorded', undefined);
  badlyRecorded = await unpackWith(tarball, 'badly-recorded', 'x/y');
  notAString = await unpackWith(tarball, 'not-a-string', 5);
  recordedTarball = join(dir, 'recorded.tar.gz');
  execFileSync('tar', ['czf', recordedTarball, '-C', recorded, '.']);
  await chmod(recordedTarball, 0o644);
}, 600_000);
afterAll(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

describe('mkbundle iso BUNDLE [VERSION]', () => {
  it('without VERSION names the ISO after the version the bundle recorded', async () => {
    const out = await outDir('cli-recorded');
    const run = isoAsNobody(recordedTarball, undefined, ['--json', '--out', out]);
    expect(run.stderr).not.toContain('mkbundle:');
    expect(run.code).toBe(0);
    expect(notes(run.stderr)).toEqual([]);
    const iso = join(out, `rz_mk_dev-image.${RECORDED}.iso`);
    expect(parseRunJson(run.stdout)).toMatchObject({
      ok: true,
      outputs: [{ kind: 'iso', path: iso }, { kind: 'manifest' }, { kind: 'sha256sums' }],
      iso: { version: RECORDED },
    });
    expect(await readFile(`${iso}.manifest`, 'utf8')).toContain(`# iso_version: ${RECORDED}\n`);
  });

  it('with VERSION takes it, and says which recorded version it replaces', async () => {
    const out = await outDir('cli-given');
    const run = isoAsNobody(recorded, '2.0', ['--out', out]);
    expect(run.code).toBe(0);
    expect(notes(run.stderr)).toEqual([`note: version '2.0' replaces '${RECORDED}', recorded in ${recorded}`]);
    expect((await readdir(out)).sort()).toEqual([
      'SHA256SUMS',
      'rz_mk_dev-image.2.0.iso',
      'rz_mk_dev-image.2.0.iso.manifest',
    ]);
  });

  it('without VERSION and without a recorded one is a usage error, and writes nothing', async () => {
    const out = join(dir, 'cli-none');
    const run = isoAsNobody(unrecorded, undefined, ['--out', out]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `\nmkbundle: error: expected a VERSION: ${unrecorded} records none\nsee 'mkbundle iso --help'\n`,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('a recorded version the rules refuse is an input error', async () => {
    const run = isoAsNobody(badlyRecorded, undefined, ['--out', join(dir, 'cli-bad')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `==> bundle\nmkbundle: ${badlyRecorded}: recorded VERSION 'x/y' contains '/' (it becomes part of the ISO's file name); give a VERSION\n`,
    );
    expect(existsSync(join(dir, 'cli-bad'))).toBe(false);
    const typed = isoAsNobody(notAString, '1.0', ['--out', join(dir, 'cli-bad')]);
    expect(typed.code).toBe(2);
    expect(typed.stderr).toContain(`\nmkbundle: ${notAString}: bundle.json: version is not a string\n`);
  });
});

describe('./rebuild-iso [VERSION]', () => {
  it('without VERSION takes the recorded one', async () => {
    const out = await outDir('rebuild-recorded');
    const run = asNobody(join(recorded, 'rebuild-iso'), ['--out', out]);
    expect(run.stderr).not.toContain('rebuild-iso:');
    expect(run.code).toBe(0);
    expect(notes(run.stderr)).toEqual([]);
    expect(run.stdout).toContain(`built ${join(out, `rz_mk_dev-image.${RECORDED}.iso`)} (dev,`);
  });

  it('with VERSION takes it, with the notice', async () => {
    const out = await outDir('rebuild-given');
    const run = asNobody(join(recorded, 'rebuild-iso'), ['2.1', '--out', out]);
    expect(run.code).toBe(0);
    expect(notes(run.stderr)).toEqual([`note: version '2.1' replaces '${RECORDED}', recorded in ${recorded}`]);
    expect(existsSync(join(out, 'rz_mk_dev-image.2.1.iso'))).toBe(true);
  });

  it('without either is a usage error', () => {
    const run = asNobody(join(unrecorded, 'rebuild-iso'), ['--out', join(dir, 'rebuild-none')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `\nrebuild-iso: error: expected a VERSION: ${unrecorded} records none\nsee './rebuild-iso --help'\n`,
    );
    expect(existsSync(join(dir, 'rebuild-none'))).toBe(false);
  });
});
