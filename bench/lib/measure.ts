import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface Timed {
  readonly wallMs: number;
  /** User plus system CPU of the command and the children it waited for. */
  readonly cpuMs: number;
  /** Peak resident set of the command (GNU time's %M: its largest process). */
  readonly maxRssKiB: number;
  readonly stdout: string;
}

/** Runs a command under GNU time (Debian package time); returns its wall and CPU time, peak RSS and stdout. */
export async function timed(command: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<Timed> {
  const marker = '@@time';
  const { stdout, stderr } = await execFileAsync('/usr/bin/time', ['-f', `${marker} %e %M %U %S`, command, ...args], {
    maxBuffer: 64 * 1024 * 1024,
    ...(env ? { env } : {}),
  });
  const line = stderr.split('\n').find((l) => l.startsWith(marker));
  if (!line) throw new Error(`no timing from /usr/bin/time: ${stderr}`);
  const [, seconds, rss, user, system] = line.split(' ');
  return {
    wallMs: Number(seconds) * 1000,
    cpuMs: (Number(user) + Number(system)) * 1000,
    maxRssKiB: Number(rss),
    stdout,
  };
}

export const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
export const fmtMs = (ms: number): string => `${ms.toFixed(0).padStart(6)} ms`;
export const fmtMiB = (kib: number): string => `${(kib / 1024).toFixed(1).padStart(6)} MiB`;
