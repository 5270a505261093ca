import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { cliReporter, formatBytes, plainReporter, ttyReporter, wantsLiveDisplay } from '../../src/cli/progress.js';

class Sink extends Writable {
  text = '';
  columns = 60;
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

describe('formatBytes', () => {
  it('uses binary units with one decimal', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(5 * 1024 * 1024)).toBe('5.0 MiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GiB');
  });
});

describe('plainReporter', () => {
  it('writes one line per step, finished download and warning', () => {
    const out = new Sink();
    const report = plainReporter(out);
    report({ type: 'step', name: 'Core ISO' });
    report({ type: 'download-start', url: 'http://m/Core-current.iso' });
    report({ type: 'download-progress', url: 'http://m/Core-current.iso', transferred: 10, total: 20 });
    report({ type: 'download-done', url: 'http://m/Core-current.iso', bytes: 2048, fromCache: false });
    report({ type: 'download-done', url: 'http://m/x.tcz', bytes: 10, fromCache: true });
    report({ type: 'warning', message: 'dependency loop' });
    report({ type: 'progress', done: 0, total: 4096, elapsedMs: 1000 });
    expect(out.text).toBe(
      [
        '==> Core ISO',
        '    fetched http://m/Core-current.iso (2.0 KiB)',
        '    cached  http://m/x.tcz (10 B)',
        'warning: dependency loop',
        '',
      ].join('\n'),
    );
  });
});

describe('ttyReporter', () => {
  it('redraws the step and the downloads in flight in place, keeping finished steps', () => {
    vi.useFakeTimers();
    const out = new Sink();
    const report = ttyReporter(out);
    report({ type: 'step', name: 'extensions' });
    report({ type: 'download-start', url: 'http://m/ruby.tcz' });
    vi.advanceTimersByTime(150);
    report({ type: 'download-progress', url: 'http://m/ruby.tcz', transferred: 2048, total: 4096 });
    report({ type: 'download-done', url: 'http://m/ruby.tcz', bytes: 4096, fromCache: false });
    report({ type: 'step', name: 'gems' });
    report({ type: 'done' });
    vi.useRealTimers();
    expect(out.text).toContain('==> extensions\n');
    expect(out.text).toContain('==> extensions\n    ruby.tcz 2.0 KiB 50%\n');
    // Finished steps stay on screen with a tick, after erasing the live lines.
    expect(out.text).toContain('\x1b[J✓ extensions\n==> gems\n');
    const last = out.text.slice(out.text.lastIndexOf('\x1b[J') + 3);
    expect(last).toBe('✓ gems\n');
  });

  it("shows a step's bytes done and elapsed time under it, until the next step", () => {
    vi.useFakeTimers();
    const out = new Sink();
    const report = ttyReporter(out);
    report({ type: 'step', name: 'compress core.gz (libdeflate 12)' });
    report({ type: 'progress', done: 0, total: 37 * 1024 * 1024, elapsedMs: 0 });
    vi.advanceTimersByTime(1000);
    report({ type: 'progress', done: 0, total: 37 * 1024 * 1024, elapsedMs: 1000 });
    report({ type: 'progress', done: 37 * 1024 * 1024, total: 37 * 1024 * 1024, elapsedMs: 2750 });
    report({ type: 'step', name: 'write the ISO' });
    report({ type: 'done' });
    vi.useRealTimers();
    expect(out.text).toContain('==> compress core.gz (libdeflate 12)\n    0 B of 37.0 MiB done, 1.0 s\n');
    expect(out.text).toContain('==> compress core.gz (libdeflate 12)\n    37.0 MiB of 37.0 MiB done, 2.8 s\n');
    expect(out.text).toContain('\x1b[J✓ compress core.gz (libdeflate 12)\n==> write the ISO\n');
  });
});

describe('closing a reporter', () => {
  it('plain: nothing is written after close', () => {
    const out = new Sink();
    const report = plainReporter(out);
    report({ type: 'step', name: 'downloads' });
    report.close();
    report({ type: 'download-done', url: 'http://m/late.tcz', bytes: 1, fromCache: false });
    report({ type: 'warning', message: 'late' });
    expect(out.text).toBe('==> downloads\n');
  });

  it('tty: close erases the live lines, marks the running step unfinished, and nothing is drawn after', () => {
    vi.useFakeTimers();
    const out = new Sink();
    const report = ttyReporter(out);
    report({ type: 'step', name: 'downloads' });
    vi.advanceTimersByTime(150);
    report({ type: 'download-start', url: 'http://m/ruby.tcz' });
    vi.useRealTimers();
    expect(out.text.endsWith('    ruby.tcz 0 B\n')).toBe(true);
    report.close();
    const closed = out.text;
    expect(closed.endsWith('\x1b[2F\x1b[J✗ downloads\n')).toBe(true);
    report({ type: 'download-progress', url: 'http://m/ruby.tcz', transferred: 10 });
    report({ type: 'download-done', url: 'http://m/ruby.tcz', bytes: 10, fromCache: false });
    report({ type: 'step', name: 'overlay' });
    report.close();
    expect(out.text).toBe(closed);
  });

  it('tty: closing after done writes nothing', () => {
    const out = new Sink();
    const report = ttyReporter(out);
    report({ type: 'step', name: 'bundle' });
    report({ type: 'done' });
    const done = out.text;
    report.close();
    expect(out.text).toBe(done);
  });
});

describe('wantsLiveDisplay', () => {
  const tty = { isTTY: true, columns: 80 };
  it('only on a terminal with columns, not TERM=dumb, without CI', () => {
    expect(wantsLiveDisplay(tty, { TERM: 'xterm' })).toBe(true);
    expect(wantsLiveDisplay({ isTTY: true }, {})).toBe(true);
    expect(wantsLiveDisplay({ isTTY: false, columns: 80 }, {})).toBe(false);
    expect(wantsLiveDisplay({}, {})).toBe(false);
    expect(wantsLiveDisplay({ isTTY: true, columns: 0 }, {})).toBe(false);
    expect(wantsLiveDisplay(tty, { TERM: 'dumb' })).toBe(false);
    for (const ci of ['true', '1', 'false', '0', '']) expect(wantsLiveDisplay(tty, { CI: ci })).toBe(false);
  });

  it('cliReporter: plain lines when asked (--json), even on a terminal', () => {
    const out = Object.assign(new Sink(), { isTTY: true });
    const report = cliReporter(out, {}, true);
    report({ type: 'step', name: 'downloads' });
    report({ type: 'download-done', url: 'http://m/x.tcz', bytes: 10, fromCache: false });
    expect(out.text).toBe('==> downloads\n    fetched http://m/x.tcz (10 B)\n');
    const live = Object.assign(new Sink(), { isTTY: true });
    const drawn = cliReporter(live, {});
    drawn({ type: 'step', name: 'downloads' });
    drawn({ type: 'step', name: 'overlay' });
    expect(live.text).toBe('==> downloads\n\x1b[1F\x1b[J✓ downloads\n==> overlay\n');
  });
});
