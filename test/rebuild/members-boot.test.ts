import { execFileSync } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCpio } from '../../src/archive/cpio-read.js';
import { cpioChunks } from '../../src/archive/cpio-write.js';
import { gzipBuffer } from '../../src/deflate/libdeflate.js';
import { compressCpio } from '../../src/initramfs/compress.js';
import { records } from '../initramfs/compress-helpers.js';
import { BOOT_TEST_TIMEOUT_MS, bootIso } from '../world/bootable/qemu.js';
import { startWorld, type World } from '../world/index.js';
import { buildBundle, fromIso, isoAsNobody, openDir } from './helpers.js';

/**
 * The proof that members cut between cpio entries boot: the prod ISO's own
 * cpio, written again by the cpio writer and cut into members far smaller
 * than the default (so that there are many, and each large .tcz ends one),
 * booted in QEMU under Tiny Core's own boot scripts. The control cuts one
 * member inside a .tcz, which the kernel refuses.
 */
const VERSION = '0.9.0.1';
const MEMBER_SIZE = 16 * 1024;
let dir: string;
let world: World;
let iso: string;
let cpio: Buffer;

beforeAll(async () => {
  dir = await openDir('mk-members-boot-');
  world = await startWorld(join(dir, 'world'), { bootable: true });
  const bundle = await buildBundle(world, join(dir, 'bundle'), 'prod');
  const run = isoAsNobody(bundle, VERSION, ['--out', dir]);
  if (run.code !== 0) throw new Error(`iso failed: ${run.stderr}`);
  iso = join(dir, `rz_mk_prod-image.${VERSION}.iso`);
  fromIso(iso, 'boot/core.gz', join(dir, 'core.gz'));
  cpio = gunzipSync(await readFile(join(dir, 'core.gz')));
}, 600_000);
afterAll(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

const stem = (name: string) => name.replace(/\.tcz$/, '');

/** The builtin list and everything its `.dep` files reach, less openssh (prod). */
function onboot(): string[] {
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name) || name === 'openssh.tcz') return;
    seen.add(name);
    for (const dep of world.tinycore.extensions.get(name)?.deps ?? []) visit(dep);
  };
  for (const name of world.tinycore.builtinList.trim().split('\n')) visit(name);
  return [...seen];
}

/** The ISO with `coreGz` as its initramfs; `replay` re-makes the boot record (isolinux's boot info table). */
async function withInitramfs(name: string, coreGz: Buffer): Promise<string> {
  await writeFile(join(dir, `${name}.gz`), coreGz);
  const out = join(dir, `${name}.iso`);
  execFileSync(
    'xorriso',
    ['-indev', iso, '-outdev', out, '-boot_image', 'any', 'replay', '-map', join(dir, `${name}.gz`), '/boot/core.gz'],
    { stdio: 'ignore' },
  );
  return out;
}

describe('booting a core.gz of many gzip members', () => {
  it(
    'members cut between entries, one ending right after each large .tcz: every onboot extension loaded',
    async () => {
      const out = join(dir, 'members.gz');
      const entries = readCpio(join(dir, 'core.gz'), { name: 'core.gz', allowDevices: true });
      const result = await compressCpio(cpioChunks(entries), out, 'libdeflate', {}, { size: MEMBER_SIZE });
      const coreGz = await readFile(out);
      // The writer gives the archive back byte for byte: only the compression differs.
      expect(gunzipSync(coreGz).equals(cpio)).toBe(true);
      expect(result.members.length).toBeGreaterThan(20);
      const ends = result.members.map((m) => m.offset + m.cpioSize);
      const largeTcz = records(cpio).filter((r) => r.name.endsWith('.tcz') && r.end - r.start > MEMBER_SIZE);
      expect(largeTcz.length).toBeGreaterThan(0);
      for (const tcz of largeTcz) {
        expect(ends).toContain(tcz.start);
        expect(ends).toContain(tcz.end);
      }

      const boot = await bootIso(await withInitramfs('members', coreGz));
      expect(boot.log).not.toContain('Initramfs unpacking failed');
      expect(boot.markers).toContain('MKWORLD-TC-CONFIG-DONE');
      expect(boot.markers.find((m) => m.startsWith('MKWORLD-VERSION '))).toBe(
        `MKWORLD-VERSION mk_version: "${VERSION}"`,
      );
      const missing = onboot().flatMap((name) =>
        [`MKWORLD-INSTALLED ${stem(name)}`, `MKWORLD-MOUNTED ${stem(name)}`].filter((m) => !boot.markers.includes(m)),
      );
      expect(missing).toEqual([]);
      expect(boot.markers).toContain('MKWORLD-BOOTSYNC-END');
    },
    BOOT_TEST_TIMEOUT_MS,
  );

  it(
    'control: a member ending inside a .tcz entry stops the unpacking',
    async () => {
      const tcz = records(cpio).find((r) => r.name.endsWith('.tcz') && r.end - r.start > MEMBER_SIZE);
      if (tcz === undefined) throw new Error('no large .tcz in the image');
      const cut = tcz.start + Math.floor((tcz.end - tcz.start) / 2);
      const coreGz = Buffer.concat([
        await gzipBuffer(cpio.subarray(0, cut), 12),
        await gzipBuffer(cpio.subarray(cut), 12),
      ]);
      expect(gunzipSync(coreGz).equals(cpio)).toBe(true);
      const boot = await bootIso(await withInitramfs('cut-inside', coreGz));
      expect(boot.log).toContain('Initramfs unpacking failed: junk at the end of compressed archive');
    },
    BOOT_TEST_TIMEOUT_MS,
  );
});
