import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, type World } from '../world/index.js';
import { runCli, tarContents, text } from './harness.js';

let dir: string;
let world: World;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-x86_64-'));
  world = await startWorld(join(dir, 'world'), { tcVersion: '5.x', arch: 'x86_64' });
});
afterAll(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a 64-bit Tiny Core (CorePure64)', () => {
  it('--tc-version 5 --arch x86_64 with the mirror from MK_BUNDLE_TCL_MIRROR_URI: 64-bit layout, boot files and ISO', async () => {
    const { base } = world.tinycore.urls(world.server.url);
    const { urls } = world;
    const flags = ['--source', world.source, '--gem-source', urls.gemSource, '--rubygems-url', urls.rubygems];
    flags.push('--mcollective-url', urls.mcollective, '--open-vm-tools-url', urls.openVmTools);
    const out = join(dir, 'out');
    const env = { XDG_CACHE_HOME: join(dir, 'cache'), MK_BUNDLE_TCL_MIRROR_URI: `${base}/5.x/x86_64/tcz` };
    const run = await runCli(
      [
        '-b',
        world.builtinList,
        '-m',
        world.mirrorList,
        '-p',
        ...flags,
        '--tc-version',
        '5',
        '--arch',
        'x86_64',
        '--iso-url',
        `${base}/5.x/x86_64/release/CorePure64-current.iso`,
        '--out',
        out,
      ],
      env,
    );
    expect(run.stderr).not.toContain('mkbundle:');
    expect(run.code).toBe(0);
    const bundle = await tarContents(join(out, 'razor-microkernel-bundle-prod.tar.gz'));
    const manifest = JSON.parse(text(bundle, 'bundle.json'));
    expect(manifest.tinycore).toEqual({
      version: '5.x',
      arch: 'x86_64',
      kernelVersion: '3.0.21-tinycore64',
      iso: 'CorePure64-current.iso',
      kernel: 'boot/vmlinuz64',
      initrd: 'boot/corepure64.gz',
    });
    const overlay = await tarContents(
      bundle.get('dependencies/razor-microkernel-overlay.tar.gz')?.body ?? Buffer.alloc(0),
    );
    expect(overlay.has('tmp/tinycorelinux/5.x/x86_64/tcz/fuse.tcz')).toBe(true);

    const isoRun = await runCli([
      'iso',
      join(out, 'razor-microkernel-bundle-prod.tar.gz'),
      '5.0',
      '--out',
      out,
      '--no-recompress',
      // The world's stand-in kernel has no EFI stub, so not the x86_64 default (both).
      '--boot',
      'bios',
    ]);
    expect(isoRun.code).toBe(0);
    const files = execFileSync(
      'xorriso',
      ['-indev', join(out, 'rz_mk_prod-image.5.0.iso'), '-find', '/boot', '-type', 'f'],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    ).toString();
    expect(files).toContain("'/boot/vmlinuz64'");
    expect(files).toContain("'/boot/corepure64.gz'");
  });
});
