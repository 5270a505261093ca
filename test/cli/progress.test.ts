import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  cliReporter,
  downloadLine,
  formatBytes,
  formatSeconds,
  plainReporter,
  ttyReporter,
  wantsLiveDisplay,
} from '../../src/cli/progress.js';
import { RunRecord } from '../../src/output/record.js';
import { Terminal } from '../helpers/pty.js';

class Sink extends Writable {
  text = '';
  columns = 80;
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** What a terminal as wide as the sink shows after everything it was sent. */
function screen(sink: Sink): string[] {
  const terminal = new Terminal(sink.columns, 24);
  terminal.write(sink.text);
  return terminal.lines();
}

describe('formatBytes and formatSeconds', () => {
  it('binary units with one decimal', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(5 * 1024 * 1024)).toBe('5.0 MiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GiB');
  });

  it('tenths of a second under a minute, then minutes and seconds', () => {
    expect(formatSeconds(0)).toBe('0.0 s');
    expect(formatSeconds(4.25)).toBe('4.3 s');
    expect(formatSeconds(59.9)).toBe('59.9 s');
    expect(formatSeconds(59.96)).toBe('1m 00s');
    expect(formatSeconds(125)).toBe('2m 05s');
  });
});

describe('downloadLine', () => {
  const d = (transferred: number, more: { total?: number; done?: boolean; fromCache?: boolean } = {}) => ({
    transferred,
    done: more.done ?? false,
    fromCache: more.fromCache ?? false,
    ...(more.total === undefined ? {} : { total: more.total }),
  });

  it('files done of those started, how many from the cache, bytes fetched', () => {
    const downloads = new Map([
      ['a', d(2048, { done: true })],
      ['b', d(0, { done: true, fromCache: true })],
      ['c', d(512)],
    ]);
    expect(downloadLine(downloads, 500)).toBe('    2/3 files (1 from the cache), 2.5 KiB fetched');
  });

  it('the rate after a second, and the time left when every download in flight announced its size', () => {
    const sized = new Map([
      ['a', d(2048, { done: true })],
      ['b', d(2048, { total: 10240 })],
    ]);
    expect(downloadLine(sized, 2000)).toBe('    1/2 files, 4.0 KiB fetched, 2.0 KiB/s, about 4.0 s left');
    const unsized = new Map([...sized, ['c', d(0)]]);
    expect(downloadLine(unsized, 2000)).toBe('    1/3 files, 4.0 KiB fetched, 2.0 KiB/s');
  });
});

describe('plainReporter', () => {
  it('writes one line per step, finished download and warning', () => {
    const out = new Sink();
    const report = plainReporter(out);
    report({ type: 'step', id: 'download', name: 'Core ISO' });
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

describe('ttyReporter, as the screen shows it', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('one line for all the downloads, not a row per file; the finished step keeps the figures', () => {
    const out = new Sink();
    const report = ttyReporter(out);
    report({ type: 'step', id: 'download', name: 'downloads' });
    for (const name of ['ruby.tcz', 'bash.tcz', 'gcc_libs.tcz']) {
      report({ type: 'download-start', url: `http://m/${name}` });
    }
    vi.advanceTimersByTime(200);
    report({ type: 'download-progress', url: 'http://m/ruby.tcz', transferred: 1024, total: 4096 });
    report({ type: 'download-done', url: 'http://m/bash.tcz', bytes: 100, fromCache: true });
    vi.advanceTimersByTime(200);
    report({ type: 'download-progress', url: 'http://m/ruby.tcz', transferred: 2048, total: 4096 });
    expect(screen(out)).toEqual(['==> downloads 0.4 s', '    1/3 files (1 from the cache), 2.0 KiB fetched']);
    report({ type: 'download-done', url: 'http://m/ruby.tcz', bytes: 4096, fromCache: false });
    report({ type: 'download-done', url: 'http://m/gcc_libs.tcz', bytes: 1024, fromCache: false });
    vi.advanceTimersByTime(100);
    report({ type: 'step', id: 'overlay', name: 'overlay' });
    report({ type: 'done' });
    expect(screen(out)).toEqual([
      '✓ downloads (0.5 s): 3/3 files (1 from the cache), 5.0 KiB fetched',
      '✓ overlay (0.0 s)',
    ]);
    expect(out.text).not.toContain('.tcz');
  });

  it('the rate and the time left once a second has passed', () => {
    const out = new Sink();
    const report = ttyReporter(out);
    report({ type: 'step', id: 'download', name: 'downloads' });
    report({ type: 'download-start', url: 'http://m/Core-current.iso' });
    vi.advanceTimersByTime(1500);
    report({ type: 'download-progress', url: 'http://m/Core-current.iso', transferred: 3072, total: 15360 });
    expect(screen(out)).toEqual(['==> downloads 1.5 s', '    0/1 files, 3.0 KiB fetched, 2.0 KiB/s, about 6.0 s left']);
  });

  it('a step that reports nothing still shows its time going on', () => {
    const out = new Sink();
    const report = ttyReporter(out);
    report({ type: 'step', id: 'write-iso', name: 'write the ISO' });
    vi.advanceTimersByTime(3000);
    expect(screen(out)).toEqual(['==> write the ISO 3.0 s']);
    vi.advanceTimersByTime(500);
    report({ type: 'done' });
    expect(screen(out)).toEqual(['✓ write the ISO (3.5 s)']);
    vi.advanceTimersByTime(5000);
    expect(screen(out)).toEqual(['✓ write the ISO (3.5 s)']);
  });

  it("a step's bytes done under it", () => {
    const out = new Sink();
    const report = ttyReporter(out);
    report({ type: 'step', id: 'compress', name: 'compress core.gz (libdeflate 12)' });
    report({ type: 'progress', done: 0, total: 37 * 1024 * 1024, elapsedMs: 0 });
    vi.advanceTimersByTime(2750);
    report({ type: 'progress', done: 37 * 1024 * 1024, total: 37 * 1024 * 1024, elapsedMs: 2750 });
    expect(screen(out)).toEqual(['==> compress core.gz (libdeflate 12) 2.8 s', '    37.0 MiB of 37.0 MiB done']);
  });

  it('warnings and notes stay above the live lines', () => {
    const out = new Sink();
    const report = ttyReporter(out);
    report({ type: 'step', id: 'download', name: 'downloads' });
    report({ type: 'download-start', url: 'http://m/x.tcz' });
    report({ type: 'warning', message: 'dependency loop: a.tcz → b.tcz → a.tcz' });
    report({ type: 'notice', message: 'advdef instead' });
    expect(screen(out)).toEqual([
      'warning: dependency loop: a.tcz → b.tcz → a.tcz',
      'note: advdef instead',
      '==> downloads 0.0 s',
      '    0/1 files, 0 B fetched',
    ]);
  });

  it('lines are cut at the terminal width, so the redraw erases what it drew', () => {
    const out = Object.assign(new Sink(), { columns: 30 });
    const report = ttyReporter(out);
    report({ type: 'step', id: 'merge', name: 'merge the initramfs with a long name' });
    vi.advanceTimersByTime(1000);
    expect(screen(out)).toEqual(['==> merge the initramfs with']);
    report({ type: 'step', id: 'write-iso', name: 'write the ISO' });
    // A finished step's line is not redrawn: it may wrap.
    expect(screen(out)).toEqual(['✓ merge the initramfs with a l', 'ong name (1.0 s)', '==> write the ISO 0.0 s']);
  });
});

describe('closing a reporter', () => {
  it('plain: nothing is written after close', () => {
    const out = new Sink();
    const report = plainReporter(out);
    report({ type: 'step', id: 'download', name: 'downloads' });
    report.close();
    report({ type: 'download-done', url: 'http://m/late.tcz', bytes: 1, fromCache: false });
    report({ type: 'warning', message: 'late' });
    expect(out.text).toBe('==> downloads\n');
  });

  it('tty: close erases the live lines, marks the running step unfinished, and nothing is drawn after', () => {
    vi.useFakeTimers();
    const out = new Sink();
    const report = ttyReporter(out);
    report({ type: 'step', id: 'download', name: 'downloads' });
    vi.advanceTimersByTime(160);
    report({ type: 'download-start', url: 'http://m/ruby.tcz' });
    report.close();
    const closed = out.text;
    expect(screen(out)).toEqual(['✗ downloads (0.2 s): 0/1 files, 0 B fetched']);
    report({ type: 'download-progress', url: 'http://m/ruby.tcz', transferred: 10 });
    report({ type: 'step', id: 'overlay', name: 'overlay' });
    vi.advanceTimersByTime(5000);
    report.close();
    vi.useRealTimers();
    expect(out.text).toBe(closed);
  });

  it('tty: closing after done writes nothing', () => {
    const out = new Sink();
    const report = ttyReporter(out);
    report({ type: 'step', id: 'write-bundle', name: 'bundle' });
    report({ type: 'done' });
    const done = out.text;
    report.close();
    expect(out.text).toBe(done);
  });
});

describe('cliReporter', () => {
  const tty = { isTTY: true, columns: 80 };
  it('the live display only on a terminal with columns, not TERM=dumb, without CI', () => {
    expect(wantsLiveDisplay(tty, { TERM: 'xterm' })).toBe(true);
    expect(wantsLiveDisplay({ isTTY: true }, {})).toBe(true);
    expect(wantsLiveDisplay({ isTTY: false, columns: 80 }, {})).toBe(false);
    expect(wantsLiveDisplay({}, {})).toBe(false);
    expect(wantsLiveDisplay({ isTTY: true, columns: 0 }, {})).toBe(false);
    expect(wantsLiveDisplay(tty, { TERM: 'dumb' })).toBe(false);
    for (const ci of ['true', '1', 'false', '0', '']) expect(wantsLiveDisplay(tty, { CI: ci })).toBe(false);
  });

  it('plain lines when asked (--json), even on a terminal', () => {
    const out = Object.assign(new Sink(), { isTTY: true });
    const report = cliReporter(out, {}, { plain: true });
    report({ type: 'step', id: 'download', name: 'downloads' });
    report({ type: 'download-done', url: 'http://m/x.tcz', bytes: 10, fromCache: false });
    expect(out.text).toBe('==> downloads\n    fetched http://m/x.tcz (10 B)\n');
  });

  it('-q: nothing at all, on a terminal or not; the record still sees every event', () => {
    for (const isTTY of [true, false]) {
      const out = Object.assign(new Sink(), { isTTY });
      const record = new RunRecord('bundle');
      const report = cliReporter(out, {}, { quiet: true, record });
      report({ type: 'step', id: 'download', name: 'downloads' });
      report({ type: 'warning', message: 'w' });
      report({ type: 'notice', message: 'n' });
      report({ type: 'done' });
      report.close();
      expect(out.text).toBe('');
      expect(record.warnings).toEqual(['w']);
      expect(record.notes).toEqual(['n']);
      expect(record.steps.map((s) => s.id)).toEqual(['download']);
    }
  });

  it('the record sees nothing after close', () => {
    const record = new RunRecord('iso');
    const report = cliReporter(new Sink(), {}, { record });
    report.close();
    report({ type: 'warning', message: 'late' });
    expect(record.warnings).toEqual([]);
  });
});
