import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRunJson } from '../helpers/json-schema.js';
import { startWorld, type World } from '../world/index.js';
import { asNobody, buildBundle, fromIso, isoAsNobody, openDir, replaceInIso, reseal, unpackBundle } from './helpers.js';

/**
 * A broken boot/core.gz in the bundle's Core ISO: one line naming it, exit
 * 5, `{"ok":false,…}` with --json, no scratch left in TMPDIR, no output.
 */
let dir: string;
let world: World;
let tarball: string;
let clean: string;
let core: Buffer;

const NAME = 'Core-current.iso:/boot/core.gz';

/** newc headers of an uncompressed archive: where each starts, its name, where its data starts and its size. */
function headers(cpio: Buffer): { at: number; name: string; data: number; size: number }[] {
  const pad4 = (n: number) => (n + 3) & ~3;
  const out = [];
  for (let at = 0; at + 110 <= cpio.length; ) {
    const field = (offset: number) => Number.parseInt(cpio.toString('latin1', at + offset, at + offset + 8), 16);
    const namesize = field(94);
    const size = field(54);
    const name = cpio.toString('utf8', at + 110, at + 110 + namesize - 1);
    const data = pad4(at + 110 + namesize);
    out.push({ at, name, data, size });
    if (name === 'TRAILER!!!') break;
    at = pad4(data + size);
  }
  return out;
}

/** An unpacked bundle whose Core ISO carries `coreGz`, bundle.json updated to match. */
async function bundleWith(name: string, coreGz: Buffer): Promise<string> {
  const bundle = join(dir, name);
  await cp(clean, bundle, { recursive: true });
  await writeFile(join(dir, `${name}.gz`), coreGz);
  const iso = join(bundle, 'Core-current.iso');
  await rm(iso);
  replaceInIso(join(clean, 'Core-current.iso'), 'boot/core.gz', join(dir, `${name}.gz`), iso);
  await reseal(bundle, 'Core-current.iso');
  return bundle;
}

/** A TMPDIR of its own (inside the test's directory), so that what the run leaves there can be seen. */
async function tmp(name: string): Promise<string> {
  const path = await mkdtemp(join(dir, `tmp-${name}-`));
  await chmod(path, 0o777);
  return path;
}

beforeAll(async () => {
  dir = await openDir('mk-core-faults-');
  world = await startWorld(join(dir, 'world'));
  tarball = await buildBundle(world, join(dir, 'bundles'), 'prod');
  clean = await unpackBundle(tarball, join(dir, 'clean'));
  fromIso(join(clean, 'Core-current.iso'), 'boot/core.gz', join(dir, 'core.gz'));
  core = await readFile(join(dir, 'core.gz'));
}, 600_000);
afterAll(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

describe('mkbundle iso with a broken core.gz in the Core ISO', () => {
  const cpio = () => gunzipSync(core);
  const cases: [string, () => Buffer, string | RegExp][] = [
    ['cut short', () => core.subarray(0, Math.floor(core.length * 0.6)), `${NAME}: gzip data is truncated`],
    [
      'a wrong CRC-32',
      () => {
        const bad = Buffer.from(core);
        bad[bad.length - 6] = (bad[bad.length - 6] as number) ^ 0xff;
        return bad;
      },
      `${NAME}: gzip data is corrupt (CRC-32 mismatch)`,
    ],
    [
      'garbage after the gzip header',
      () => Buffer.concat([core.subarray(0, 10), Buffer.alloc(4096, 0xff)]),
      new RegExp(`^${NAME}: gzip data is corrupt \\(invalid [a-z ]+\\)$`),
    ],
    [
      'a bad cpio magic',
      () => gzipSync(Buffer.concat([Buffer.from('07x701'), cpio().subarray(6)])),
      `${NAME}: not a cpio newc header at byte 0`,
    ],
    [
      'an entry name running past the end',
      () => {
        const third = headers(cpio())[2] as { at: number };
        return gzipSync(cpio().subarray(0, third.at + 112));
      },
      `${NAME}: archive is truncated`,
    ],
    [
      'an entry size running past the end',
      () => {
        const big = headers(cpio()).find((h) => h.size > 100_000) as { data: number; size: number };
        return gzipSync(cpio().subarray(0, big.data + big.size / 2));
      },
      new RegExp(`^${NAME}: [^:]+: archive is truncated$`),
    ],
  ];

  it.each(cases)('%s: one line naming it, exit 5, JSON, nothing left', async (label, make, message) => {
    const bundle = await bundleWith(label.replace(/\W+/g, '-'), make());
    const scratch = await tmp('cli');
    const out = join(dir, `out-${label.replace(/\W+/g, '-')}`);
    const run = isoAsNobody(bundle, '1.0', ['--out', out, '--json', '--no-recompress'], { TMPDIR: scratch });
    expect(run.code).toBe(5);
    const lines = run.stderr.split('\n').filter((l) => !l.startsWith('==> '));
    expect(lines).toHaveLength(2);
    const error = lines[0]?.replace(/^mkbundle: /, '') ?? '';
    expect(lines[0]).toBe(`mkbundle: ${error}`);
    if (typeof message === 'string') expect(error).toBe(message);
    else expect(error).toMatch(message);
    expect(parseRunJson(run.stdout)).toMatchObject({
      ok: false,
      exitCode: 5,
      command: 'iso',
      error: { code: 'archive', message: error, step: 'merge' },
    });
    expect(await readdir(scratch)).toEqual([]);
    expect(existsSync(out)).toBe(false);
  });

  it('a Core ISO whose isolinux.cfg boots two initrds it does not have: one line naming the first, nothing written', async () => {
    const bundle = join(dir, 'two-initrds');
    await cp(clean, bundle, { recursive: true });
    const cfg = join(dir, 'two-initrds.cfg');
    await writeFile(
      cfg,
      'default mc\nlabel mc\n\tkernel /boot/vmlinuz\n\tappend initrd=/boot/rootfs.gz,/boot/modules.gz\n',
    );
    const iso = join(bundle, 'Core-current.iso');
    await rm(iso);
    replaceInIso(join(clean, 'Core-current.iso'), 'boot/isolinux/isolinux.cfg', cfg, iso);
    await reseal(bundle, 'Core-current.iso');
    const out = join(dir, 'out-two-initrds');
    const run = isoAsNobody(bundle, '1.0', ['--out', out, '--no-recompress']);
    expect(run.code).toBe(5);
    expect(run.stderr).toContain(`\nmkbundle: ${iso}: cannot read boot/rootfs.gz (`);
    expect(run.stderr).not.toContain('merged');
    expect(existsSync(out)).toBe(false);
  });

  it('from the bundle tarball: the unpacked bundle is removed from TMPDIR too', async () => {
    const bundle = await bundleWith('tarball', core.subarray(0, Math.floor(core.length * 0.6)));
    const packed = join(dir, 'broken.tar.gz');
    execFileSync('tar', ['czf', packed, '-C', bundle, '.']);
    const scratch = await tmp('tarball');
    const run = isoAsNobody(packed, '1.0', ['--out', join(dir, 'out-tarball'), '--no-recompress'], {
      TMPDIR: scratch,
    });
    expect(run.code).toBe(5);
    expect(run.stderr).toContain(`\nmkbundle: ${NAME}: gzip data is truncated\n`);
    expect(run.stderr).not.toContain('    at ');
    expect(await readdir(scratch)).toEqual([]);
  });

  it('./rebuild-iso: the same line, exit 5, JSON, nothing left', async () => {
    const bundle = await bundleWith('rebuild', core.subarray(0, Math.floor(core.length * 0.6)));
    const scratch = await tmp('rebuild');
    const out = join(dir, 'out-rebuild');
    const run = asNobody(join(bundle, 'rebuild-iso'), ['1.0', '--out', out, '--json'], { TMPDIR: scratch });
    expect(run.code).toBe(5);
    expect(run.stderr.split('\n').filter((l) => !l.startsWith('==> '))).toEqual([
      `rebuild-iso: ${NAME}: gzip data is truncated`,
      '',
    ]);
    expect(parseRunJson(run.stdout)).toMatchObject({
      ok: false,
      command: 'iso',
      error: { code: 'archive', message: `${NAME}: gzip data is truncated`, step: 'merge' },
      outputs: [],
    });
    expect(await readdir(scratch)).toEqual([]);
    expect(existsSync(out)).toBe(false);
  });
});
