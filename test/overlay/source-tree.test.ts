import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { matchesPattern, razorProfile } from '../../src/overlay/profile.js';
import { collectSourceFiles } from '../../src/overlay/source-tree.js';
import { writeMicrokernelTree } from '../world/microkernel.js';

let dir: string;
beforeEach(async () => {
  dir = await writeMicrokernelTree(await mkdtemp(join(tmpdir(), 'mk-source-')));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const profile = razorProfile('mcollective-2.0.0');
const targets = async (flavour: 'dev' | 'prod' | 'debug') =>
  Object.fromEntries(
    (await collectSourceFiles(dir, profile, flavour)).map((f) => [
      `${f.dest}:${f.path}`,
      f.source.slice(dir.length + 1),
    ]),
  );

describe('collectSourceFiles with the Razor profile', () => {
  it('maps the Razor layout into the overlay', async () => {
    const dev = await targets('dev');
    expect(dev).toMatchObject({
      'overlay:etc/init.d/dhcp.sh': 'etc/init.d/dhcp.sh',
      'overlay:usr/local/bin/rz_mk_controller.rb': 'rz_mk_controller.rb',
      'overlay:usr/local/bin/rz_mk_init.rb': 'rz_mk_init.rb',
      'overlay:usr/local/lib/ruby/1.8/razor_microkernel/logging.rb': 'razor_microkernel/logging.rb',
      'overlay:usr/local/tce.installed/mcollective-2.0.0/plugins/mcollective/agent/configuration.rb':
        'configuration-agent/configuration.rb',
      'overlay:opt/bootsync.sh': 'opt/bootsync.sh',
      'overlay:tmp/tinycorelinux/tce-install-list.yaml': 'tmp/tinycorelinux/tce-install-list.yaml',
      'overlay:tmp/mk_conf.yaml': 'tmp/mk_conf.yaml',
      'overlay:etc/shadow': 'etc/shadow',
      'bundle:COPYING': 'COPYING',
    });
    expect(Object.keys(dev)).not.toContain('overlay:etc/shadow-nologin');
  });

  it('swaps files per flavour', async () => {
    expect((await targets('prod'))['overlay:etc/shadow']).toBe('etc/shadow-nologin');
    expect((await targets('debug'))['overlay:tmp/mk_conf.yaml']).toBe('tmp/mk_conf_debug.yaml');
  });

  it('keeps the file mode', async () => {
    const files = await collectSourceFiles(dir, profile, 'dev');
    expect(files.find((f) => f.path === 'opt/bootsync.sh')?.mode).toBe(0o755);
    expect(files.find((f) => f.path === 'etc/shadow')?.mode).toBe(0o600);
  });

  it('falls back to mk_conf.yaml for debug when there is no debug config', async () => {
    await unlink(join(dir, 'tmp/mk_conf_debug.yaml'));
    expect((await targets('debug'))['overlay:tmp/mk_conf.yaml']).toBe('tmp/mk_conf.yaml');
  });

  it('names every missing required file in one error', async () => {
    await unlink(join(dir, 'opt/bootsync.sh'));
    await unlink(join(dir, 'etc/passwd'));
    await rm(join(dir, 'razor_microkernel'), { recursive: true });
    const error = await collectSourceFiles(dir, profile, 'dev').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe(
      `${dir}: not a Microkernel project tree, missing razor_microkernel/*.rb, opt/bootsync.sh, etc/passwd`,
    );
  });

  it('does not require optional files', async () => {
    await unlink(join(dir, 'COPYING'));
    await unlink(join(dir, 'facter-agent/facteragent.rb'));
    expect(Object.keys(await targets('dev'))).not.toContain('bundle:COPYING');
  });
});

describe('matchesPattern', () => {
  it('matches one star in the last segment', () => {
    expect(matchesPattern('rz_mk_*.rb', 'rz_mk_init.rb')).toBe(true);
    expect(matchesPattern('rz_mk_*.rb', 'rz_mk_.rb')).toBe(true);
    expect(matchesPattern('rz_mk_*.rb', 'rz_mk.rb')).toBe(false);
    expect(matchesPattern('dir/*.gz', 'x.tar.gz')).toBe(true);
    expect(matchesPattern('dir/*.gz', 'x.tgz.sig')).toBe(false);
  });
});
