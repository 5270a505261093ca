import { execa } from 'execa';
import { withGuestLock } from './guest-lock.js';

export interface BootOptions {
  /** Hard limit for the guest's run, from QEMU's start. Default 180 s. */
  readonly timeoutMs?: number;
  /** Default 512. */
  readonly memoryMb?: number;
  /** How long to wait for another guest to finish first. Default 15 minutes. */
  readonly lockWaitMs?: number;
}

export interface BootResult {
  /** The serial console, ANSI escapes and carriage returns removed. */
  readonly log: string;
  /** The lines that start with `MKWORLD-`, in order. */
  readonly markers: string[];
  /** QEMU's run time. */
  readonly durationMs: number;
}

/** The guest did not power off in time; carries what it printed so far. */
export class BootTimeoutError extends Error {
  constructor(
    readonly log: string,
    readonly timeoutMs: number,
  ) {
    super(`QEMU guest still running after ${timeoutMs} ms; last serial lines:\n${tail(log, 40)}`);
    this.name = 'BootTimeoutError';
  }
}

const tail = (log: string, lines: number): string => log.split('\n').slice(-lines).join('\n');

/** CSI sequences (colours, cursor moves, SeaBIOS's screen clears) and two-byte escapes. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ESC is the point.
const ANSI = /\x1b\[[0-9;?=]*[ -/]*[@-~]|\x1b[@-~]/g;

export const cleanLog = (raw: string): string => raw.replace(ANSI, '').replace(/\r/g, '');

export const markerLines = (log: string): string[] => log.split('\n').filter((line) => line.startsWith('MKWORLD-'));

/**
 * KVM is opt-in: /dev/kvm exists on these machines but guests die inside
 * ISOLINUX with "KVM internal error", so software emulation is the default.
 */
const accel = (): string => (process.env.MKBUNDLE_QEMU_KVM === '1' ? 'kvm' : 'tcg');

/**
 * Boots `iso` from its CD in QEMU, serial console on stdout, no network, no
 * reboot. QEMU's exit status means nothing (it is 0 after a kernel panic
 * too): callers judge the run by its markers.
 */
export async function bootIso(iso: string, opts: BootOptions = {}): Promise<BootResult> {
  const timeoutMs = opts.timeoutMs ?? 180_000;
  const args = [
    ...['-accel', accel(), '-m', String(opts.memoryMb ?? 512)],
    ...['-nographic', '-no-reboot', '-boot', 'd', '-nic', 'none', '-cdrom', iso],
  ];
  return withGuestLock(opts.lockWaitMs ?? 900_000, async () => {
    const started = Date.now();
    const run = await execa('qemu-system-x86_64', args, {
      stdin: 'ignore',
      stderr: 'pipe',
      all: true,
      reject: false,
      timeout: timeoutMs,
      forceKillAfterDelay: 2_000,
    });
    const log = cleanLog(run.all ?? '');
    if (run.timedOut) throw new BootTimeoutError(log, timeoutMs);
    return { log, markers: markerLines(log), durationMs: Date.now() - started };
  });
}
