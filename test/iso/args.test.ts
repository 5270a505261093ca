import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ToolMissingError, UsageError } from '../../src/errors.js';
import { preparerId, volumeDate, xorrisoArgs } from '../../src/iso/args.js';
import { findIsohybridMbr, isHybridCapable, isolinuxIsHybridCapable } from '../../src/iso/hybrid.js';
import { xorrisoProblem } from '../../src/iso/xorriso.js';

describe('xorriso arguments', () => {
  const spec = {
    tree: '/s/tree',
    output: '/out/x.iso.tmp',
    volumeId: 'Razor MK 1.0',
    preparer: 'mkbundle 0.1.0',
  };

  it('are the original mkisofs options plus isohybrid and the reproducibility options', () => {
    expect(
      xorrisoArgs({
        ...spec,
        copyrightFile: 'LICENSE',
        isohybridMbr: '/usr/lib/ISOLINUX/isohdpfx.bin',
        sourceDateEpoch: 1_704_067_200,
      }),
    ).toEqual([
      ...['-no_rc', '-abort_on', 'FAILURE', '-as', 'mkisofs', '-quiet', '-input-charset', 'UTF-8'],
      ...['-l', '-J', '-R', '-uid', '0', '-gid', '0', '-file-mode', '0644', '-dir-mode', '0755'],
      ...['-no-emul-boot', '-boot-load-size', '4', '-boot-info-table'],
      ...['-b', 'boot/isolinux/isolinux.bin', '-c', 'boot/isolinux/boot.cat'],
      ...['-isohybrid-mbr', '/usr/lib/ISOLINUX/isohdpfx.bin', '-partition_offset', '16'],
      ...['-A', 'Razor Microkernel', '-sysid', 'LINUX', '-p', 'mkbundle 0.1.0', '-V', 'Razor MK 1.0'],
      ...['-copyright', 'LICENSE'],
      ...['--modification-date=2024010100000000', '--set_all_file_dates', '=1704067200'],
      ...['-o', '/out/x.iso.tmp', '/s/tree'],
    ]);
  });

  it('leave out what is not given', () => {
    const args = xorrisoArgs(spec);
    for (const option of ['-isohybrid-mbr', '-partition_offset', '-copyright', '--set_all_file_dates']) {
      expect(args).not.toContain(option);
    }
    expect(args.some((a) => a.startsWith('--modification-date'))).toBe(false);
    expect(args.slice(-3)).toEqual(['-o', '/out/x.iso.tmp', '/s/tree']);
  });
});

describe('preparer id', () => {
  it('names mkbundle, and the host only when the build is not reproducible', () => {
    expect(preparerId('0.1.0')).toBe('mkbundle 0.1.0');
    expect(preparerId('0.1.0', 'builder')).toBe('mkbundle 0.1.0 (builder)');
  });

  it('is cut to 128 bytes without splitting a character', () => {
    expect(preparerId('0.1.0', 'h'.repeat(200))).toBe(`mkbundle 0.1.0 (${'h'.repeat(112)}`);
    const id = preparerId('0.1.0', `a${'é'.repeat(100)}`);
    expect(Buffer.byteLength(id)).toBe(127);
    expect(id.endsWith('é')).toBe(true);
  });
});

describe('volume date', () => {
  it.each([
    [0, '1970010100000000'],
    [1_704_067_200, '2024010100000000'],
    [1_704_067_199, '2023123123595900'],
    [32_503_679_999, '2999123123595900'],
  ])('%d → %s', (epoch, date) => {
    expect(volumeDate(epoch)).toBe(date);
  });

  it.each([-1, 32_503_680_000, 1.5, Number.NaN])('refuses %d', (epoch) => {
    expect(() => volumeDate(epoch)).toThrow(UsageError);
  });
});

describe('xorriso messages', () => {
  it('picks the first two problem lines, without the banner and notes', () => {
    const stderr = [
      'xorriso 1.5.4 : RockRidge filesystem manipulator, libburnia project.',
      '',
      "xorriso : NOTE : Local character set is now assumed as: 'UTF-8'",
      'libburn : SORRY : Failed to open device (a pseudo-drive) : Permission denied',
      'xorriso : FAILURE : libburn indicates failure with writing.',
      "xorriso : aborting : -abort_on 'FAILURE' encountered 'FAILURE'",
    ].join('\n');
    expect(xorrisoProblem(stderr)).toBe(
      "'Failed to open device (a pseudo-drive) : Permission denied'; 'libburn indicates failure with writing.'",
    );
  });

  it('quotes what it repeats: a file name in the Core ISO cannot drive the terminal', () => {
    const stderr = "libisofs : FAILURE : Cannot open '/boot/\x1b]0;pwned\x07\u202e.gz'\n";
    expect(xorrisoProblem(stderr)).toBe("'Cannot open \\'/boot/\\u{1b}]0;pwned\\u{7}\\u{202e}.gz\\''");
  });

  it('has nothing to say about a clean run', () => {
    expect(xorrisoProblem('xorriso : NOTE : Environment variable SOURCE_DATE_EPOCH encountered')).toBeUndefined();
  });
});

describe('isohybrid', () => {
  const withSignature = (): Buffer => {
    const head = Buffer.alloc(2048);
    head.writeUInt32LE(0x7078c0fb, 64);
    return head;
  };

  it('knows a hybrid-capable isolinux.bin by its signature at byte 64', async () => {
    expect(isHybridCapable(withSignature())).toBe(true);
    expect(isHybridCapable(Buffer.alloc(2048))).toBe(false);
    expect(isHybridCapable(Buffer.alloc(66))).toBe(false);
    await expect(isolinuxIsHybridCapable('/usr/lib/ISOLINUX/isolinux.bin')).resolves.toBe(true);
  });

  it('reads a short or missing file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mkbundle-iso-args-'));
    try {
      await writeFile(join(dir, 'short.bin'), 'x');
      await expect(isolinuxIsHybridCapable(join(dir, 'short.bin'))).resolves.toBe(false);
      await expect(isolinuxIsHybridCapable(join(dir, 'none.bin'))).rejects.toThrow(
        `cannot read the boot image ${join(dir, 'none.bin')}: no such file or directory`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('finds the MBR template, or names the package to install', async () => {
    await expect(findIsohybridMbr()).resolves.toBe('/usr/lib/ISOLINUX/isohdpfx.bin');
    await expect(findIsohybridMbr(['/nonexistent/isohdpfx.bin'])).rejects.toThrow(ToolMissingError);
    await expect(findIsohybridMbr(['/nonexistent/isohdpfx.bin'])).rejects.toThrow(
      "isohdpfx.bin not found: install the Debian package 'isolinux' (apt-get install isolinux)",
    );
  });
});
