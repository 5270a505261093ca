import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { inspectIso } from '../../src/inspect/iso.js';
import { xorrisoArgs } from '../../src/iso/args.js';
import { defaultBootMode, platforms } from '../../src/iso/boot-mode.js';
import { type BuildIsoOptions, buildIso } from '../../src/iso/build.js';
import { kernelCommandLine } from '../../src/iso/cmdline.js';
import { EFI_IMAGE, fatSectors, GRUB_CFG } from '../../src/iso/efi.js';
import { hasEfiStub, kernelHasEfiStub } from '../../src/iso/efi-stub.js';
import { grubCfg, grubEmbeddedCfg, grubWord, isolinuxMenuSeconds, isolinuxSerial } from '../../src/iso/grub-cfg.js';
import { extractFromIso } from '../../src/iso/read.js';
import { buildBootableCoreIso } from '../world/bootable/core-iso.js';
import { writeCoreTree, writeIso } from '../world/bootable/iso.js';
import { ISOLINUX_CFG } from '../world/bootable/isolinux.js';
import { buildIsoAsNobody } from './helpers/as-nobody.js';

const EPOCH = 1_704_067_200;

/** A GRUB script word read back: inside '…' all literal, outside a backslash escapes the next character. */
function unquote(word: string): string {
  let out = '';
  let quoted = false;
  let escaped = false;
  for (const c of word) {
    if (escaped) {
      out += c;
      escaped = false;
    } else if (c === "'") quoted = !quoted;
    else if (!quoted && c === '\\') escaped = true;
    else out += c;
  }
  return out;
}

describe('the EFI stub check', () => {
  const pe = (offset: number, length: number) => {
    const head = Buffer.alloc(length);
    head.write('MZ', 0, 'latin1');
    head.writeUInt32LE(offset, 0x3c);
    head.write('PE\0\0', offset, 'latin1');
    return head;
  };

  it('finds MZ and the PE signature where 0x3c points', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0x40, max: 4000 }), (offset) => {
        expect(hasEfiStub(pe(offset, offset + 4))).toBe(true);
        expect(hasEfiStub(pe(offset, offset + 4).subarray(0, offset + 3))).toBe(false);
      }),
    );
  });

  it('refuses anything without MZ, or whose 0x3c points elsewhere', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const head = Buffer.from(bytes);
        if (head.subarray(0, 2).toString('latin1') !== 'MZ') expect(hasEfiStub(head)).toBe(false);
      }),
    );
    const wrong = pe(0x80, 0x100);
    wrong.writeUInt32LE(0x90, 0x3c);
    expect(hasEfiStub(wrong)).toBe(false);
    expect(hasEfiStub(Buffer.from('MZ'))).toBe(false);
  });

  it("is true of Debian's amd64 kernel", async () => {
    const world = await buildBootableCoreIso();
    expect(await kernelHasEfiStub(world.kernelPath)).toBe(true);
  });
});

describe('the default boot mode', () => {
  it('is both for x86_64 and bios for 32-bit x86', () => {
    expect(defaultBootMode('x86_64')).toBe('both');
    expect(defaultBootMode('x86')).toBe('bios');
    expect(platforms('both')).toEqual(['bios', 'uefi']);
  });
});

describe("the kernel command line of isolinux's default label", () => {
  it('is the append line less initrd=, then the boot codes', () => {
    expect(kernelCommandLine(ISOLINUX_CFG, undefined)).toBe('loglevel=3 console=ttyS0,115200 panic=1');
    expect(kernelCommandLine(ISOLINUX_CFG, ' waitusb=5  tce=sda1 ')).toBe(
      'loglevel=3 console=ttyS0,115200 panic=1 waitusb=5 tce=sda1',
    );
    const mc = ISOLINUX_CFG.replace('default microcore', 'default mc');
    expect(kernelCommandLine(mc, undefined)).toBe('loglevel=3 console=ttyS0,115200 panic=1');
  });
});

describe('grub.cfg', () => {
  it("talks on isolinux's serial port and boots what its default label boots", () => {
    const cfg = grubCfg({
      title: 'microcore',
      kernel: 'boot/vmlinuz',
      initrd: 'boot/core.gz',
      cmdline: kernelCommandLine(ISOLINUX_CFG, undefined),
      serial: isolinuxSerial(ISOLINUX_CFG),
      timeoutSeconds: isolinuxMenuSeconds(ISOLINUX_CFG),
    });
    expect(cfg).toBe(
      [
        'serial --unit=0 --speed=115200',
        'terminal_input serial console',
        'terminal_output serial console',
        'set default=0',
        'set timeout=0',
        'menuentry microcore {',
        '\tlinux /boot/vmlinuz loglevel=3 console=ttyS0,115200 panic=1',
        '\tinitrd /boot/core.gz',
        '}',
        '',
      ].join('\n'),
    );
  });

  it("reads Syslinux's serial, prompt and timeout as Syslinux does", () => {
    expect(isolinuxSerial('SERIAL 1\n')).toEqual({ port: 1, baud: 9600 });
    expect(isolinuxSerial('serial 0x3f8 38400\n')).toEqual({ port: 0x3f8, baud: 38400 });
    expect(isolinuxSerial('display boot.msg\n')).toBeUndefined();
    expect(isolinuxMenuSeconds('prompt 1\ntimeout 100\n')).toBe(10);
    expect(isolinuxMenuSeconds('prompt 1\ntimeout 0\n')).toBe(-1);
    expect(isolinuxMenuSeconds('timeout 100\n')).toBe(0);
    expect(
      grubCfg({
        title: 'x',
        kernel: '/k',
        initrd: '/i',
        cmdline: '',
        serial: { port: 0x2f8, baud: 9600 },
        timeoutSeconds: 0,
      }),
    ).toMatch(/^serial --port=0x2f8 --speed=9600\n/);
  });

  it('quotes a word only when GRUB would read it otherwise, and reads back as it was', () => {
    expect(grubWord('console=ttyS0,115200')).toBe('console=ttyS0,115200');
    expect(grubWord('a$b')).toBe("'a$b'");
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }).filter((w) => !/\s/.test(w)),
        (word) => {
          expect(unquote(grubWord(word))).toBe(word);
        },
      ),
    );
  });

  it("built into GRUB: finds the ISO by this build's file, then reads its grub.cfg", () => {
    expect(grubEmbeddedCfg('boot/grub/mkbundle-0123456789abcdef.id', 'boot/grub')).toBe(
      [
        'search --no-floppy --set=root --file /boot/grub/mkbundle-0123456789abcdef.id',
        'set prefix=($root)/boot/grub',
        'configfile ($root)/boot/grub/grub.cfg',
        '',
      ].join('\n'),
    );
  });
});

describe('xorriso arguments per boot mode', () => {
  const spec = { tree: '/t', output: '/o.iso', volumeId: 'V', preparer: 'P', isohybridMbr: '/mbr.bin' };
  const boot = (args: string[]) => args.slice(args.indexOf('-no-emul-boot') - 0, args.indexOf('-A'));

  it('both: ISOLINUX with its isohybrid MBR, then efi.img as the alternate entry marked in MBR and GPT', () => {
    expect(boot(xorrisoArgs({ ...spec, bootMode: 'both' }))).toEqual([
      ...['-no-emul-boot', '-boot-load-size', '4', '-boot-info-table'],
      ...['-b', 'boot/isolinux/isolinux.bin', '-c', 'boot/isolinux/boot.cat'],
      ...['-isohybrid-mbr', '/mbr.bin', '-partition_offset', '16'],
      ...['-eltorito-alt-boot', '-e', EFI_IMAGE, '-no-emul-boot', '-isohybrid-gpt-basdat'],
    ]);
  });

  it('uefi: efi.img alone, as the EFI system partition of a GPT', () => {
    const args = xorrisoArgs({ ...spec, bootMode: 'uefi' });
    expect(args).not.toContain('-b');
    expect(args).not.toContain('-isohybrid-mbr');
    const at = args.indexOf('-c');
    expect(args.slice(at, at + 7)).toEqual([
      ...['-c', 'boot/isolinux/boot.cat', '-e', EFI_IMAGE, '-no-emul-boot'],
      ...['-efi-boot-part', '--efi-boot-image'],
    ]);
  });

  it('bios (the default): as before, no EFI entry', () => {
    expect(xorrisoArgs(spec)).toEqual(xorrisoArgs({ ...spec, bootMode: 'bios' }));
    expect(xorrisoArgs(spec)).not.toContain('-e');
  });

  it('the FAT is whole MiB with room beside its one file', () => {
    expect(fatSectors(688_128)).toBe(2048);
    expect(fatSectors(1024 * 1024)).toBe(4096);
  });
});

describe('a hybrid BIOS and UEFI ISO, built as nobody', () => {
  let work: string;
  let options: BuildIsoOptions;

  const sha256 = async (path: string) =>
    createHash('sha256')
      .update(await readFile(path))
      .digest('hex');
  const report = async (iso: string) =>
    (
      await execa('xorriso', ['-no_rc', '-indev', iso, '-report_el_torito', 'plain', '-report_system_area', 'plain'], {
        stdin: 'ignore',
      })
    ).stdout;
  const copyOut = async (iso: string, inside: string) => {
    const dest = await mkdtemp(join(work, 'out-'));
    await extractFromIso(iso, inside, join(dest, 'f'));
    return join(dest, 'f');
  };
  const mtools = async (tool: string, ...args: string[]) =>
    (await execa(tool, args, { env: { TZ: 'UTC', MTOOLS_SKIP_CHECK: '1' } })).stdout;

  beforeAll(async () => {
    const world = await buildBootableCoreIso();
    work = await mkdtemp(join(tmpdir(), 'mkbundle-efi-test-'));
    // nobody reads the inputs from here and makes its output directories in it.
    await chmod(work, 0o777);
    await copyFile(world.iso, join(work, 'core.iso'));
    await copyFile(world.coreGzPath, join(work, 'core.gz'));
    await copyFile(world.kernelPath, join(work, 'vmlinuz'));
    options = {
      coreIso: join(work, 'core.iso'),
      boot: { kernel: 'boot/vmlinuz', initrd: 'boot/core.gz' },
      initramfs: join(work, 'core.gz'),
      version: '0.13.0-efi',
      flavour: 'dev',
      outDir: join(work, 'a'),
      sourceDateEpoch: EPOCH,
      bootMode: 'both',
    };
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('has both El Torito entries, a 0xef MBR partition and a GPT over efi.img; the same epoch gives the same bytes', async () => {
    const a = await buildIsoAsNobody(options);
    expect(a).toMatchObject({ bootMode: 'both', hybrid: true });
    const text = await report(a.path);
    expect(text).toMatch(/^El Torito boot img :\s+1\s+BIOS\s+y\s+none/m);
    expect(text).toMatch(/^El Torito boot img :\s+2\s+UEFI\s+y\s+none/m);
    expect(text).toMatch(/^El Torito img path :\s+2\s+\/boot\/grub\/efi\.img$/m);
    expect(text).toMatch(/^System area summary: MBR isohybrid cyl-align-on GPT/m);
    expect(text).toMatch(/^MBR partition\s+:\s+2\s+0x00\s+0xef\s/m);
    expect(text).toMatch(/^GPT partition path :\s+2\s+\/boot\/grub\/efi\.img$/m);
    const inspected = await inspectIso(a.path, 1);
    expect(inspected.boot.images.map((image) => [image.platform, image.path])).toEqual([
      ['BIOS', 'boot/isolinux/isolinux.bin'],
      ['UEFI', EFI_IMAGE],
    ]);

    // A second build, another second, another place: the same bytes, EFI image included.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const b = await buildIsoAsNobody({ ...options, outDir: join(work, 'b') });
    expect(await sha256(b.path)).toBe(await sha256(a.path));
    const efiA = await copyOut(a.path, EFI_IMAGE);
    const efiB = await copyOut(b.path, EFI_IMAGE);
    expect(await sha256(efiB)).toBe(await sha256(efiA));

    // The FAT: GRUB at the removable-media path, every date the epoch, a fixed serial.
    const listing = await mtools('mdir', '-i', efiA, '::/EFI/BOOT');
    expect(listing).toMatch(/^BOOTX64 {2}EFI\s+\d+ 2024-01-01\s+0:00 /m);
    expect(await mtools('minfo', '-i', efiA, '::')).toMatch(/^serial number: [0-9A-F]{8}$/im);
    const grub = await readFile(await copyOut(a.path, GRUB_CFG), 'utf8');
    expect(grub).toContain('\tlinux /boot/vmlinuz loglevel=3 console=ttyS0,115200 panic=1\n');
    expect(grub).toContain('\tinitrd /boot/core.gz\n');
    expect(grub).toMatch(/^serial --unit=0 --speed=115200$/m);
  });

  it('uefi alone: one EFI entry, a GPT with efi.img as the EFI system partition', async () => {
    const built = await buildIsoAsNobody({ ...options, bootMode: 'uefi', outDir: join(work, 'uefi') });
    const text = await report(built.path);
    expect(text).toMatch(/^El Torito boot img :\s+1\s+UEFI\s+y\s+none/m);
    expect(text).not.toMatch(/BIOS/);
    expect(text).toMatch(/^GPT type GUID\s+:\s+\d+\s+28732ac11ff8d211ba4b00a0c93ec93b$/m);
  });

  it('refuses a UEFI entry for a kernel without an EFI stub, in one line, before writing anything', async () => {
    const tree = join(work, 'no-stub-tree');
    await writeFile(join(work, 'not-pe'), Buffer.alloc(4096, 0x90));
    await writeCoreTree(tree, { vmlinuz: join(work, 'not-pe'), coreGz: join(work, 'core.gz') });
    await writeIso(tree, join(work, 'no-stub.iso'));
    for (const bootMode of ['uefi', 'both'] as const) {
      const failing = buildIso({ ...options, coreIso: join(work, 'no-stub.iso'), bootMode, outDir: join(work, 'x') });
      await expect(failing).rejects.toThrow(UsageError);
      await expect(failing).rejects.toThrow(
        new UsageError(
          `--boot ${bootMode}: boot/vmlinuz has no EFI stub (no PE header), so UEFI cannot start it; use --boot bios`,
        ),
      );
    }
    const bios = await buildIso({
      ...options,
      coreIso: join(work, 'no-stub.iso'),
      bootMode: 'bios',
      outDir: join(work, 'x'),
    });
    expect(bios.bootMode).toBe('bios');
  });
});
