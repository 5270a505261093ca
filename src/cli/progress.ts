import type { Writable } from 'node:stream';

export type ProgressEvent =
  | { readonly type: 'step'; readonly name: string }
  /** How far the current step is, in bytes, for a step that works on one known amount. */
  | { readonly type: 'progress'; readonly done: number; readonly total: number; readonly elapsedMs: number }
  | { readonly type: 'download-start'; readonly url: string }
  | { readonly type: 'download-progress'; readonly url: string; readonly transferred: number; readonly total?: number }
  | { readonly type: 'download-done'; readonly url: string; readonly bytes: number; readonly fromCache: boolean }
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

/** The live display where it works, else plain lines; `plain` forces plain lines (`--json`). */
export function cliReporter(out: Writable & Terminal, env: NodeJS.ProcessEnv, plain = false): ClosableReporter {
  return !plain && wantsLiveDisplay(out, env) ? ttyReporter(out) : plainReporter(out);
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

function shortName(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1) || url;
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

/**
 * A terminal task list: the current step and the downloads in flight,
 * redrawn in place at most every 100 ms. `close()` erases the live lines and
 * marks a step still running as not finished.
 */
export function ttyReporter(out: Writable & { columns?: number }): ClosableReporter {
  const active = new Map<string, { transferred: number; total?: number }>();
  let step = '';
  let progress: { done: number; total: number; elapsedMs: number } | undefined;
  let drawn = 0;
  let last = 0;
  let closed = false;
  const draw = (force: boolean) => {
    const now = Date.now();
    if (!force && now - last < 100) return;
    last = now;
    const width = Math.max(20, (out.columns ?? 80) - 1);
    const lines = [`==> ${step}`];
    if (progress) {
      const seconds = (progress.elapsedMs / 1000).toFixed(1);
      lines.push(`    ${formatBytes(progress.done)} of ${formatBytes(progress.total)} done, ${seconds} s`);
    }
    for (const [url, p] of active) {
      const pct = p.total ? ` ${Math.floor((100 * p.transferred) / p.total)}%` : '';
      lines.push(`    ${shortName(url)} ${formatBytes(p.transferred)}${pct}`);
    }
    const clear = drawn > 0 ? `\x1b[${drawn}F\x1b[J` : '';
    out.write(`${clear + lines.map((l) => l.slice(0, width)).join('\n')}\n`);
    drawn = lines.length;
  };
  const commit = (line: string) => {
    if (drawn > 0) out.write(`\x1b[${drawn}F\x1b[J`);
    drawn = 0;
    out.write(`${line}\n`);
  };
  const report = (event: ProgressEvent) => {
    if (closed) return;
    switch (event.type) {
      case 'step':
        if (step) commit(`✓ ${step}`);
        step = event.name;
        progress = undefined;
        draw(true);
        return;
      case 'progress':
        progress = event;
        draw(event.done === event.total);
        return;
      case 'download-start':
        active.set(event.url, { transferred: 0 });
        draw(false);
        return;
      case 'download-progress':
        active.set(event.url, { transferred: event.transferred, ...(event.total ? { total: event.total } : {}) });
        draw(false);
        return;
      case 'download-done':
        active.delete(event.url);
        draw(true);
        return;
      case 'warning':
      case 'notice':
        commit(`${event.type === 'warning' ? 'warning' : 'note'}: ${event.message}`);
        draw(true);
        return;
      case 'done':
        if (step) commit(`✓ ${step}`);
        step = '';
        return;
    }
  };
  return Object.assign(report, {
    close: () => {
      if (closed) return;
      closed = true;
      if (step) commit(`✗ ${step}`);
      else if (drawn > 0) out.write(`\x1b[${drawn}F\x1b[J`);
    },
  });
}
