import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCoreGz } from '../world/bootable/core-gz.js';
import { type BootableCoreIso, buildBootableCoreIso } from '../world/bootable/core-iso.js';
import { type ArchiveEntry, dir, file, fileFrom } from '../world/bootable/entries.js';
import { INITTAB } from '../world/bootable/etc-files.js';
import { writeCoreTree, writeIso } from '../world/bootable/iso.js';
import { BOOT_TEST_TIMEOUT_MS, bootIso } from '../world/bootable/qemu.js';
import { makeTcz } from '../world/bootable/tcz.js';

let world: BootableCoreIso;
let work: string;

beforeAll(async () => {
  world = await buildBootableCoreIso();
  work = await mkdtemp(join(tmpdir(), 'mkworld-boot-test-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** GNU cpio's own listing of the archive inside core.gz (numeric owners). */
async function cpioListing(coreGz: string): Promise<string[]> {
  const { stdout } = await execa('cpio', ['-itvn', '--quiet'], { input: gunzipSync(await readFile(coreGz)) });
  return stdout.split('\n');
}

const entryLine = (listing: string[], path: string): string | undefined =>
  listing.find((line) => line.endsWith(` ${path}`) || line.includes(` ${path} -> `));

/** The world's ISO with a second initramfs appended to core.gz: its entries add to or replace the first's. */
async function isoWithAppended(name: string, entries: readonly ArchiveEntry[]): Promise<string> {
  const base = join(work, name);
  await mkdir(base);
  const extra = join(base, 'extra.gz');
  await buildCoreGz(entries, extra);
  const coreGz = join(base, 'core.gz');
  await writeFile(coreGz, Buffer.concat([await readFile(world.coreGzPath), await readFile(extra)]));
  await writeCoreTree(join(base, 'tree'), { vmlinuz: world.kernelPath, coreGz });
  await writeIso(join(base, 'tree'), join(base, 'core.iso'));
  return join(base, 'core.iso');
}

describe('the bootable Core ISO', () => {
  it('has a core.gz that GNU cpio reads with nodes, setuid, hard links and the absolute kernel.tclocal', async () => {
    const listing = await cpioListing(world.coreGzPath);
    expect(entryLine(listing, 'dev/console')).toMatch(/^crw------- +1 0 +0 +5, +1 /);
    expect(entryLine(listing, 'dev/ttyS0')).toMatch(/^crw-rw---- +1 0 +0 +4, +64 /);
    expect(entryLine(listing, 'dev/loop7')).toMatch(/^brw-rw---- +1 0 +0 +7, +7 /);
    expect(entryLine(listing, 'dev/ram0')).toMatch(/^brw-rw---- +1 0 +0 +1, +0 /);
    expect(entryLine(listing, 'bin/busybox.suid')).toMatch(/^-rwsr-xr-x +1 0 +0 /);
    expect(entryLine(listing, 'usr/bin/sudo')).toMatch(/^-rwsr-xr-x +1 0 +0 /);
    expect(entryLine(listing, 'etc/init.d/tc-config')).toMatch(/^-rwxr-xr-x +1 0 +0 /);
    expect(entryLine(listing, 'usr/bin/tce-load')).toMatch(/^-rwxr-xr-x +1 0 +0 /);
    expect(entryLine(listing, 'usr/bin/[')).toMatch(/^-rwxr-xr-x +2 /);
    expect(entryLine(listing, 'usr/bin/[[')).toMatch(/^-rwxr-xr-x +2 /);
    expect(entryLine(listing, 'home/tc')).toMatch(/^drwxr-xr-x +\d+ 1001 +50 /);
    expect(entryLine(listing, `lib/modules/${world.kver}/kernel.tclocal`)).toMatch(
      new RegExp(`^l.* -> /usr/local/lib/modules/${world.kver}/kernel$`),
    );
    for (const path of ['modules.dep', 'kernel/drivers/block/loop.ko', 'kernel/fs/squashfs/squashfs.ko']) {
      expect(entryLine(listing, `lib/modules/${world.kver}/${path}`), path).toBeDefined();
    }
  });

  it('is reused from the cache', async () => {
    const started = Date.now();
    const again = await buildBootableCoreIso();
    expect(again.iso).toBe(world.iso);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it(
    "boots as is under Tiny Core's own scripts: modules, zram swap, the stock bootsync, tty1's getty",
    async () => {
      const { markers } = await bootIso(world.iso);
      expect(markers).toEqual(
        expect.arrayContaining([
          'MKWORLD-BOOTLOCAL-RAN',
          'MKWORLD-TC-CONFIG-DONE',
          'MKWORLD-MODULES-OK',
          'MKWORLD-SWAPS /dev/zram0',
          'MKWORLD-SHADOW-TC tc:*:13646:0:99999:7:::',
          'MKWORLD-SHADOW-MODE 600 0:0',
          'MKWORLD-INITTAB-TTY1 tty1::respawn:/sbin/getty 38400 tty1',
          'MKWORLD-SSH-FILES 0',
          'MKWORLD-TTY1 root /sbin/getty 38400 tty1',
          'MKWORLD-POWEROFF',
        ]),
      );
      expect(markers.filter((m) => /^MKWORLD-(INSTALLED|MOUNTED|EXT) /.test(m))).toEqual([]);
    },
    BOOT_TEST_TIMEOUT_MS,
  );

  it(
    'loads extensions embedded in an appended initramfs with the real tce-load: deps first, a CRLF .dep refused',
    async () => {
      const greet = `greet-${world.kver}`;
      const tcz = async (name: string, files: Parameters<typeof makeTcz>[1]) => {
        await makeTcz(join(work, `${name}-src`), files, join(work, `${name}.tcz`));
        return fileFrom(`tmp/builtin/optional/${name}.tcz`, join(work, `${name}.tcz`));
      };
      const iso = await isoWithAppended('extensions', [
        dir('tmp', 0o1777),
        dir('tmp/builtin'),
        file('tmp/builtin/onboot.lst', 'hello.tcz\ncrlf.tcz\n'),
        dir('tmp/builtin/optional'),
        await tcz('hello', {
          'usr/local/bin/hello': {
            body: '#!/bin/sh\necho "MKWORLD-EXT hello $(cat /usr/local/share/greet/greeting)"\n',
            executable: true,
          },
          // tce-setup sends start-up scripts' output to /dev/null: this one writes to the console itself,
          // on a line of its own (tc-config's "Loading extensions..." has none).
          'usr/local/tce.installed/hello': {
            body: '#!/bin/sh\nprintf "\\nMKWORLD-EXT hello-startup %s\\n" "$(id -u)" >/dev/console\n',
            executable: true,
          },
        }),
        // KERNEL names the running kernel, as tce-load substitutes it.
        file('tmp/builtin/optional/hello.tcz.dep', 'greet-KERNEL.tcz\n'),
        await tcz(greet, { 'usr/local/share/greet/greeting': { body: 'world\n' } }),
        // tce-load keeps the CR in the name and finds no such file: crlf and its dep stay out.
        await tcz('crlf', { 'usr/local/bin/crlf': { body: '#!/bin/sh\necho MKWORLD-EXT crlf\n', executable: true } }),
        file('tmp/builtin/optional/crlf.tcz.dep', 'crlfdep.tcz\r\n'),
        await tcz('crlfdep', { 'usr/local/share/crlfdep/README': { body: 'crlfdep\n' } }),
      ]);

      const { markers } = await bootIso(iso);
      expect(markers.filter((m) => /^MKWORLD-(INSTALLED|MOUNTED|EXT|NOT-LINKED) /.test(m))).toEqual([
        'MKWORLD-EXT hello-startup 0',
        `MKWORLD-INSTALLED ${greet}`,
        'MKWORLD-INSTALLED hello',
        `MKWORLD-MOUNTED ${greet}`,
        'MKWORLD-MOUNTED hello',
        'MKWORLD-EXT hello world',
      ]);
      expect(markers).toContain('MKWORLD-BOOTLOCAL-RAN');
      expect(markers).toContain('MKWORLD-POWEROFF');
    },
    BOOT_TEST_TIMEOUT_MS,
  );

  it(
    'runs the real /sbin/autologin on tty1 when the inittab asks for it: tc logged in, a login shell',
    async () => {
      const tty1 = 'tty1::respawn:/sbin/getty -nl /sbin/autologin 38400 tty1';
      const inittab = INITTAB.replace(/^tty1::.*$/m, tty1);
      const iso = await isoWithAppended('autologin', [dir('etc'), file('etc/inittab', inittab)]);

      const { markers } = await bootIso(iso);
      expect(markers).toContain(`MKWORLD-INITTAB-TTY1 ${tty1}`);
      expect(markers).toContain('MKWORLD-TTY1 tc -sh');
      expect(markers.indexOf('MKWORLD-TTY1 tc -sh')).toBeLessThan(markers.indexOf('MKWORLD-POWEROFF'));
    },
    BOOT_TEST_TIMEOUT_MS,
  );
});
