import { describe, expect, it } from 'vitest';
import { buildBootableCoreIso } from '../world/bootable/core-iso.js';
import { BootTimeoutError, bootIso, cleanLog, markerLines } from '../world/bootable/qemu.js';

describe('the QEMU runner', () => {
  it('strips escapes and carriage returns and keeps whole MKWORLD- lines only', () => {
    const raw = '\x1bcSeaBIOS\r\n\x1b[2J\x1b[1;1HMKWORLD-A one\r\nsay MKWORLD-B\r\n\x1b[0mMKWORLD-C\r\n';
    const log = cleanLog(raw);
    expect(log).toBe('SeaBIOS\nMKWORLD-A one\nsay MKWORLD-B\nMKWORLD-C\n');
    expect(markerLines(log)).toEqual(['MKWORLD-A one', 'MKWORLD-C']);
  });

  it('kills a guest that outlives its timeout and reports what it printed', async () => {
    const { iso } = await buildBootableCoreIso();
    const error = await bootIso(iso, { timeoutMs: 1_500 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BootTimeoutError);
    expect((error as BootTimeoutError).message).toMatch(/still running after 1500 ms/);
    expect((error as BootTimeoutError).log).toContain('SeaBIOS');
  }, 120_000);
});
