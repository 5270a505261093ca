import type { Writable } from 'node:stream';
import type { RunRecord } from '../output/record.js';
import type { StepId } from '../output/steps.js';

export type { StepId };

export type ProgressEvent =
  /** A step begins (the one before it ends): `id` is stable, `name` is what the screen shows. */
  | { readonly type: 'step'; readonly id: StepId; readonly name: string }
  /** How far the current step is, in bytes, for a step that works on one known amount. */
  | { readonly type: 'progress'; readonly done: number; readonly total: number; readonly elapsedMs: number }
  | { readonly type: 'download-start'; readonly url: string }
  | { readonly type: 'download-progress'; readonly url: string; readonly transferred: number; readonly total?: number }
  | { readonly type: 'download-done'; readonly url: string; readonly bytes: number; readonly fromCache: boolean }
  /** A download given up on for another mirror's copy (a notice says why). */
  | { readonly type: 'download-failed'; readonly url: string }
  | { readonly type: 'warning'; readonly message: string }
  | { readonly type: 'notice'; readonly message: string }
  | { readonly type: 'done' };

/** Stages report what they do through this; rendering is the CLI's business. */
export type Reporter = (event: ProgressEvent) => void;

/** The CLI's reporters: after `close()` they write nothing more, so an error line printed then stays the last. */
export type ClosableReporter = Reporter & { close(): void };

interface Terminal {
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/**
 * Whether `out` gets the live display: a terminal that reports its width,
 * not TERM=dumb, and no CI variable (any value, `false` and `0` included:
 * CI logs are no place for cursor codes). Otherwise plain lines, without a
 * single escape sequence.
 */
export function wantsLiveDisplay(out: Terminal, env: NodeJS.ProcessEnv): boolean {
  return out.isTTY === true && out.columns !== 0 && env.TERM !== 'dumb' && env.CI === undefined;
}

export interface ReporterOptions {
  /** Plain lines even on a terminal (`--json`). */
  readonly plain?: boolean;
  /** Nothing at all (`-q`): errors are printed by the caller, after close. */
  readonly quiet?: boolean;
  /** Told every event first: what the summary and `--json` report. */
  readonly record?: RunRecord;
}

/** The live display where it works, else plain lines; nothing with `quiet`. */
export function cliReporter(
  out: Writable & Terminal,
  env: NodeJS.ProcessEnv,
  options: ReporterOptions = {},
): ClosableReporter {
  const shown = options.quiet
    ? silentReporter()
    : !options.plain && wantsLiveDisplay(out, env)
      ? ttyReporter(out)
      : plainReporter(out);
  const { record } = options;
  if (record === undefined) return shown;
  let closed = false;
  const report = (event: ProgressEvent) => {
    if (closed) return;
    record.observe(event);
    shown(event);
  };
  return Object.assign(report, {
    close: () => {
      closed = true;
      shown.close();
    },
  });
}

function silentReporter(): ClosableReporter {
  return Object.assign(() => {}, { close: () => {} });
}

/** `4.2 s` under a minute, else `2m 05s`. */
export function formatSeconds(seconds: number): string {
  if (seconds < 59.95) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}m ${String(whole % 60).padStart(2, '0')}s`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** One line per step and per finished download: for logs and pipes. */
export function plainReporter(out: Writable): ClosableReporter {
  let closed = false;
  const report = (event: ProgressEvent) => {
    if (closed) return;
    switch (event.type) {
      case 'step':
        out.write(`==> ${event.name}\n`);
        return;
      case 'download-done':
        out.write(`    ${event.fromCache ? 'cached ' : 'fetched'} ${event.url} (${formatBytes(event.bytes)})\n`);
        return;
      case 'warning':
        out.write(`warning: ${event.message}\n`);
        return;
      case 'notice':
        out.write(`note: ${event.message}\n`);
        return;
      default:
        return;
    }
  };
  return Object.assign(report, {
    close: () => {
      closed = true;
    },
  });
}

/** One download as the aggregate line counts it. */
interface Download {
  transferred: number;
  total?: number;
  done: boolean;
  fromCache: boolean;
}

/**
 * The downloads of a run as one line: files done of those started so far
 * (and how many came from the cache), bytes fetched, the rate since the
 * first download began, and the time left for the downloads in flight when
 * each announced its size.
 */
export function downloadLine(downloads: ReadonlyMap<string, Download>, elapsedMs: number): string {
  let done = 0;
  let cached = 0;
  let fetched = 0;
  let left = 0;
  let sized = true;
  for (const d of downloads.values()) {
    if (d.done) done += 1;
    if (d.fromCache) cached += 1;
    fetched += d.transferred;
    if (!d.done) {
      if (d.total === undefined) sized = false;
      else left += Math.max(0, d.total - d.transferred);
    }
  }
  const parts = [`${done}/${downloads.size} files${cached > 0 ? ` (${cached} from the cache)` : ''}`];
  parts.push(`${formatBytes(fetched)} fetched`);
  // A rate over less than a second says little.
  const rate = elapsedMs >= 1000 ? (fetched * 1000) / elapsedMs : 0;
  if (rate > 0) parts.push(`${formatBytes(rate)}/s`);
  // Under a second left is no news.
  if (rate > 0 && sized && done < downloads.size && left / rate >= 1)
    parts.push(`about ${formatSeconds(left / rate)} left`);
  return `    ${parts.join(', ')}`;
}

/**
 * A terminal task list: the current step with its elapsed time, and under
 * it one line for the downloads (downloadLine) or the step's own progress,
 * redrawn in place at most every 100 ms (and no later) and every second
 * while a step runs.
 * A finished step stays as `✓ NAME (TIME)`; `close()` erases the live lines
 * and marks a step still running as not finished (`✗`).
 */
export function ttyReporter(out: Writable & { columns?: number }): ClosableReporter {
  const downloads = new Map<string, Download>();
  let firstDownload: number | undefined;
  let downloadsThisStep = false;
  let step: { readonly name: string; readonly start: number } | undefined;
  let progress: { done: number; total: number } | undefined;
  let drawn = 0;
  let last = 0;
  let closed = false;
  let ticker: ReturnType<typeof setInterval> | undefined;
  // A redraw held back by the 100 ms limit still comes, so the screen is never older than that.
  let trailing: ReturnType<typeof setTimeout> | undefined;
  const elapsed = () => formatSeconds(step === undefined ? 0 : (Date.now() - step.start) / 1000);
  const draw = (force: boolean) => {
    const now = Date.now();
    if (!force && now - last < 100) {
      trailing ??= setTimeout(
        () => {
          trailing = undefined;
          draw(true);
        },
        100 - (now - last),
      );
      trailing.unref?.();
      return;
    }
    if (trailing !== undefined) clearTimeout(trailing);
    trailing = undefined;
    last = now;
    const width = Math.max(20, (out.columns ?? 80) - 1);
    const lines = step === undefined ? [] : [`==> ${step.name} ${elapsed()}`];
    if (progress) lines.push(`    ${formatBytes(progress.done)} of ${formatBytes(progress.total)} done`);
    if (downloadsThisStep) lines.push(downloadLine(downloads, now - (firstDownload ?? now)));
    const clear = drawn > 0 ? `\x1b[${drawn}F\x1b[J` : '';
    out.write(`${clear + lines.map((l) => `${l.slice(0, width)}\n`).join('')}`);
    drawn = lines.length;
  };
  const commit = (line: string) => {
    if (drawn > 0) out.write(`\x1b[${drawn}F\x1b[J`);
    drawn = 0;
    out.write(`${line}\n`);
  };
  const endStep = (mark: '✓' | '✗') => {
    // A finished download step keeps its figures on screen.
    const figures = downloadsThisStep ? `: ${downloadLine(downloads, 0).trim()}` : '';
    if (step) commit(`${mark} ${step.name} (${elapsed()})${figures}`);
    step = undefined;
    progress = undefined;
    downloadsThisStep = false;
  };
  const stopTimers = () => {
    if (ticker !== undefined) clearInterval(ticker);
    if (trailing !== undefined) clearTimeout(trailing);
    ticker = undefined;
    trailing = undefined;
  };
  const download = (url: string): Download => {
    firstDownload ??= Date.now();
    downloadsThisStep = true;
    let d = downloads.get(url);
    if (d === undefined) {
      d = { transferred: 0, done: false, fromCache: false };
      downloads.set(url, d);
    }
    return d;
  };
  const report = (event: ProgressEvent) => {
    if (closed) return;
    switch (event.type) {
      case 'step':
        endStep('✓');
        step = { name: event.name, start: Date.now() };
        // The elapsed time moves on while a step reports nothing (xorriso, libdeflate).
        ticker ??= setInterval(() => draw(true), 1000);
        ticker.unref?.();
        draw(true);
        return;
      case 'progress':
        progress = event;
        draw(event.done === event.total);
        return;
      case 'download-start':
        download(event.url);
        draw(false);
        return;
      case 'download-progress': {
        const d = download(event.url);
        d.transferred = event.transferred;
        if (event.total) d.total = event.total;
        draw(false);
        return;
      }
      case 'download-failed':
        downloads.delete(event.url);
        draw(false);
        return;
      case 'download-done': {
        const d = download(event.url);
        d.done = true;
        d.fromCache = event.fromCache;
        d.transferred = event.fromCache ? 0 : event.bytes;
        draw(false);
        return;
      }
      case 'warning':
      case 'notice':
        commit(`${event.type === 'warning' ? 'warning' : 'note'}: ${event.message}`);
        draw(true);
        return;
      case 'done':
        stopTimers();
        endStep('✓');
        return;
    }
  };
  return Object.assign(report, {
    close: () => {
      if (closed) return;
      closed = true;
      stopTimers();
      if (step) endStep('✗');
      else if (drawn > 0) out.write(`\x1b[${drawn}F\x1b[J`);
    },
  });
}
