/**
 * Both stages on a real pseudo-terminal, as a user sees them: the screen
 * they leave, read through the terminal model of test/helpers/pty.ts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../bundle/harness.js';
import { runOnPty, Terminal } from '../helpers/pty.js';
import { BIN, buildBundle } from '../rebuild/helpers.js';
import { startWorld, type World } from '../world/index.js';

let dir: string;
let world: World;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-terminal-'));
  world = await startWorld(join(dir, 'world'));
});
afterAll(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

const TIME = String.raw`\d+\.\d s|\d+m \d\ds`;

describe('the terminal model', () => {
  it('applies carriage returns, line feeds, cursor-up-and-erase, and wraps at the width', () => {
    const terminal = new Terminal(10, 5);
    terminal.write('one\r\ntwo\r\n\x1b[1F\x1b[Jthree\r\nabcdefghijklm\r\nx\ry\r\n');
    expect(terminal.lines()).toEqual(['one', 'three', 'abcdefghij', 'klm', 'y']);
    expect(() => terminal.write('\x1b]0;title\x07')).toThrow(/unknown escape sequence/);
  });
});

describe('on a terminal', () => {
  it('the bundle stage: one download line, each step kept with its time, one warning per loop, the summary', async () => {
    const builtin = join(dir, 'builtin-with-ncurses.lst');
    await writeFile(builtin, `${world.tinycore.builtinList}ncurses.tcz\n`);
    const out = join(dir, 'bundle-out');
    const run = await runOnPty(
      process.execPath,
      [BIN, '-b', builtin, '-m', world.mirrorList, ...world.flags, '--out', out, '-p'],
      { env: { XDG_CACHE_HOME: join(dir, 'cache') } },
    );
    expect(run.code).toBe(0);
    // The live display was used: it redrew in place.
    expect(run.output).toContain('\x1b[J');
    const screen = run.screen;
    expect(screen.filter((line) => line.includes('dependency loop'))).toHaveLength(1);
    const steps = screen.filter((line) => /^[✓✗] /.test(line));
    expect(steps).toHaveLength(4);
    expect(steps[0]).toMatch(new RegExp(`^✓ Microkernel project files \\((${TIME})\\)$`));
    expect(steps[1]).toMatch(
      new RegExp(`^✓ downloads \\((${TIME})\\): (\\d+)/\\2 files, [\\d.]+ (B|KiB|MiB) fetched$`),
    );
    expect(steps[2]).toMatch(new RegExp(`^✓ overlay \\((${TIME})\\)$`));
    expect(steps[3]).toMatch(new RegExp(`^✓ bundle \\((${TIME})\\)$`));
    // No row per download was left behind, nor flashed a size of nothing.
    expect(run.output).not.toMatch(/\.tcz [\d.]+ (B|KiB)/);
    const built = screen.indexOf(screen.find((line) => line.startsWith('built ')) ?? '');
    expect(screen[built]).toMatch(new RegExp(`^built ${join(out, 'razor-microkernel-bundle-prod.tar.gz')} \\(prod, `));
    expect(screen[built + 1]).toBe(`  sha256 ${await sha256(join(out, 'razor-microkernel-bundle-prod.tar.gz'))}`);
    expect(screen.at(-1)).toMatch(/^ {2}steps: .*in all$/);
  });

  it('the ISO stage: merge, compression and the ISO write each kept with their time; the ISO sha256', async () => {
    const bundle = await buildBundle(world, join(dir, 'for-iso'), 'prod');
    const out = join(dir, 'iso-out');
    const run = await runOnPty(process.execPath, [BIN, 'iso', bundle, '1.0', '--out', out]);
    expect(run.code).toBe(0);
    const steps = run.screen.filter((line) => /^[✓✗] /.test(line)).map((line) => line.replace(/\(([^()]*)\)$/, '(T)'));
    expect(steps).toEqual([
      '✓ bundle (T)',
      '✓ verify the bundle (T)',
      '✓ read the Core ISO (T)',
      '✓ merge the initramfs (T)',
      '✓ compress core.gz (libdeflate 12) (T)',
      '✓ write the ISO (T)',
    ]);
    const iso = join(out, 'rz_mk_prod-image.1.0.iso');
    expect(run.screen).toContain(`  sha256 ${await sha256(iso)}`);
  });

  it('-q: the screen holds the output paths and nothing else', async () => {
    const out = join(dir, 'quiet-out');
    const run = await runOnPty(
      process.execPath,
      [BIN, '-b', world.builtinList, '-m', world.mirrorList, ...world.flags, '--out', out, '-p', '-q'],
      { env: { XDG_CACHE_HOME: join(dir, 'cache') } },
    );
    expect(run.code).toBe(0);
    expect(run.screen).toEqual([join(out, 'razor-microkernel-bundle-prod.tar.gz'), join(out, 'SHA256SUMS')]);
  });
});
