import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withGuestLock } from './guest-lock.js';

export interface BootOptions {
  /** The guest counts as stuck after this long without a new line on its serial console. Default 120 s. */
  readonly stallMs?: number;
  /** The most a run may take from QEMU's start, however steadily it prints. Default 600 s. */
  readonly ceilingMs?: number;
  /** Default 512. */
  readonly memoryMb?: number;
  /** How long to wait for a free guest slot (see guest-lock.ts). Default 30 minutes. */
  readonly lockWaitMs?: number;
}

export const DEFAULT_STALL_MS = 120_000;
export const DEFAULT_CEILING_MS = 600_000;
export const DEFAULT_LOCK_WAIT_MS = 1_800_000;

/**
 * vitest's limit for a test that boots once: above a slot wait and a boot's
 * ceiling together, so the boot's own bounds, not vitest, end a stuck run.
 */
export const BOOT_TEST_TIMEOUT_MS = DEFAULT_LOCK_WAIT_MS + DEFAULT_CEILING_MS + 300_000;

export interface BootResult {
  /** The serial console, ANSI escapes and carriage returns removed. */
  readonly log: string;
  /** The lines that start with `MKWORLD-`, in order. */
  readonly markers: string[];
  /** QEMU's run time. */
  readonly durationMs: number;
}

/** The guest stopped making progress (`stalled`) or ran past the ceiling; carries what it printed so far. */
export class BootTimeoutError extends Error {
  constructor(
    readonly log: string,
    readonly reason: 'stalled' | 'ceiling',
    readonly limitMs: number,
  ) {
    const what =
      reason === 'stalled'
        ? `QEMU guest printed no new line for ${limitMs} ms`
        : `QEMU guest still running after ${limitMs} ms`;
    super(`${what}; last serial lines:\n${tail(log, 40)}`);
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
 * Runs QEMU with `media` (e.g. `-boot d -cdrom X.iso`), serial console on
 * stdout, no network, no reboot, always under TCG: /dev/kvm exists on these
 * machines but guests die inside ISOLINUX with "KVM internal error". The run
 * is bounded by the guest's own progress (a new serial line within
 * `stallMs`) under an overall `ceilingMs`, so a slow but busy guest on a
 * loaded machine finishes and a stuck one is stopped. QEMU's exit status
 * means nothing (it is 0 after a kernel panic too): callers judge the run by
 * its markers.
 */
export async function runGuest(media: readonly string[], opts: BootOptions = {}): Promise<BootResult> {
  const stallMs = opts.stallMs ?? DEFAULT_STALL_MS;
  const ceilingMs = opts.ceilingMs ?? DEFAULT_CEILING_MS;
  const args = [
    ...['-accel', 'tcg', '-m', String(opts.memoryMb ?? 512)],
    ...['-nographic', '-no-reboot', '-nic', 'none', ...media],
  ];
  return withGuestLock(opts.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS, async () => {
    const started = Date.now();
    const child = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let lastLine = started;
    const take = (chunk: Buffer): void => {
      chunks.push(chunk);
      if (chunk.includes(0x0a)) lastLine = Date.now();
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    let stopped: BootTimeoutError['reason'] | undefined;
    const watch = setInterval(() => {
      const now = Date.now();
      if (now - lastLine > stallMs) stopped = 'stalled';
      else if (now - started > ceilingMs) stopped = 'ceiling';
      else return;
      clearInterval(watch);
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 2_000).unref();
    }, 250);
    const exit = new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', () => resolve());
    });
    try {
      await exit;
    } finally {
      clearInterval(watch);
    }
    const log = cleanLog(Buffer.concat(chunks).toString('utf8'));
    if (stopped) throw new BootTimeoutError(log, stopped, stopped === 'stalled' ? stallMs : ceilingMs);
    return { log, markers: markerLines(log), durationMs: Date.now() - started };
  });
}

/** Boots `iso` from its CD under SeaBIOS (see runGuest). */
export const bootIso = (iso: string, opts: BootOptions = {}): Promise<BootResult> =>
  runGuest(['-boot', 'd', '-cdrom', iso], opts);

/** SeaBIOS is QEMU's own BIOS; OVMF is Debian's `ovmf` (UEFI, no Secure Boot). */
export type Firmware = 'seabios' | 'ovmf';
/** `cd`: the image as a CD-ROM (El Torito); `disk`: as a hard disk or USB stick (its MBR/GPT). */
export type Medium = 'cd' | 'disk';

export const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
export const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';

export interface MachineOptions extends BootOptions {
  readonly firmware: Firmware;
  readonly medium: Medium;
}

/** QEMU's arguments for `image` on `medium`; `snapshot=on` keeps the guest's writes out of the image. */
export function mediumArgs(image: string, medium: Medium): string[] {
  return medium === 'cd'
    ? ['-boot', 'd', '-cdrom', image]
    : ['-boot', 'c', '-drive', `file=${image},format=raw,if=ide,media=disk,snapshot=on`];
}

/**
 * Boots `image` with `firmware` from `medium` (see runGuest). OVMF's variable
 * store is written by the firmware, so each run gets its own copy of the
 * template, removed afterwards.
 */
export async function bootImage(image: string, opts: MachineOptions): Promise<BootResult> {
  const media = mediumArgs(image, opts.medium);
  if (opts.firmware === 'seabios') return runGuest(media, opts);
  const dir = await mkdtemp(join(tmpdir(), 'mkworld-ovmf-'));
  try {
    const vars = join(dir, 'OVMF_VARS.fd');
    await copyFile(OVMF_VARS, vars);
    const pflash = [
      ...['-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_CODE}`],
      ...['-drive', `if=pflash,format=raw,unit=1,file=${vars}`],
    ];
    return await runGuest([...pflash, ...media], opts);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
