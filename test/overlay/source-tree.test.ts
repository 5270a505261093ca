import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { detectEra } from '../../src/overlay/era.js';
import { matchesPattern, razorProfile } from '../../src/overlay/profile.js';
import { collectSourceFiles } from '../../src/overlay/source-tree.js';
import { upstreamDir } from '../upstream/trees.js';
import { writeMicrokernelTree } from '../world/microkernel.js';

let dir: string;
beforeEach(async () => {
  dir = await writeMicrokernelTree(await mkdtemp(join(tmpdir(), 'mk-source-')));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const profile = razorProfile({ era: '2012', mcollectiveDir: 'mcollective-2.0.0' });
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
      `${dir}: not a Microkernel project tree, missing razor_microkernel/*.rb, etc/passwd, opt/bootsync.sh`,
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

describe('the real upstream trees', () => {
  it('are told apart by their MCollective agents', async () => {
    expect(await detectEra(upstreamDir('razor-microkernel-2012'))).toBe('2012');
    expect(await detectEra(upstreamDir('razor-microkernel-2013'))).toBe('2013');
  });

  it('the 2013 tree maps as its script copied it: boot scripts, gem mirror list, .gemrc, licence files', async () => {
    const tree = upstreamDir('razor-microkernel-2013');
    const files = await collectSourceFiles(tree, razorProfile({ era: '2013' }), 'prod');
    const byTarget = Object.fromEntries(files.map((f) => [`${f.dest}:${f.path}`, f]));
    expect(Object.keys(byTarget).sort()).toEqual(
      [
        'bundle:COPYING',
        'bundle:LICENSE',
        'overlay:etc/init.d/dhcp.sh',
        'overlay:etc/inittab',
        'overlay:etc/passwd',
        'overlay:etc/shadow',
        'overlay:opt/bootsync.sh',
        'overlay:root/.gemrc',
        'overlay:tmp/first_checkin.yaml',
        'overlay:tmp/gem-mirror/gems/gem.list',
        'overlay:tmp/mk_conf.yaml',
        'overlay:tmp/tinycorelinux/kmod-install-list.yaml',
        'overlay:tmp/tinycorelinux/tce-install-list.yaml',
        'overlay:usr/share/udhcpc/dhcp_mk_config.script',
        ...[
          'rz_mk_control_server.rb',
          'rz_mk_controller.rb',
          'rz_mk_gem_mirror.rb',
          'rz_mk_init.rb',
          'rz_mk_tce_mirror.rb',
          'rz_mk_web_server.rb',
        ].map((f) => `overlay:usr/local/bin/${f}`),
        ...[
          'logging.rb',
          'rz_host_utils.rb',
          'rz_mk_configuration_manager.rb',
          'rz_mk_fact_manager.rb',
          'rz_mk_gem_controller.rb',
          'rz_mk_hardware_facter.rb',
          'rz_mk_kernel_module_manager.rb',
          'rz_mk_registration_manager.rb',
          'rz_network_utils.rb',
        ].map((f) => `overlay:usr/local/lib/ruby/1.8/razor_microkernel/${f}`),
      ].sort(),
    );
    expect(byTarget['overlay:etc/shadow']?.source).toBe(join(tree, 'etc/shadow-nologin'));
    expect(byTarget['overlay:root/.gemrc']?.source).toBe(join(tree, 'rz_mk_gemrc.yaml'));
    // chmod +rx, as the 2013 script did.
    expect((byTarget['overlay:opt/bootsync.sh']?.mode ?? 0) & 0o555).toBe(0o555);
  });

  it('the 2013 tree for debug takes mk_conf_debug.yaml as tmp/mk_conf.yaml', async () => {
    const tree = upstreamDir('razor-microkernel-2013');
    const files = await collectSourceFiles(tree, razorProfile({ era: '2013' }), 'debug');
    expect(files.find((f) => f.path === 'tmp/mk_conf.yaml')?.source).toBe(join(tree, 'tmp/mk_conf_debug.yaml'));
  });
});
