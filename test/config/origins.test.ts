import { describe, expect, it } from 'vitest';
import { parseBundleCfg } from '../../src/config/bundle-cfg.js';
import { resolveBundleOptions } from '../../src/config/options.js';
import { formatOrigins } from '../../src/config/origins.js';

describe('formatOrigins', () => {
  const cfg = parseBundleCfg('MK_BUNDLE_TYPE=debug\nMK_BUNDLE_TC_PASSWD=s3cret\n', '/etc/mk/bundle.cfg');
  const options = resolveBundleOptions(
    { builtinList: 'b.lst', mirrorList: 'm\u001b.lst', jobs: 4 },
    { DEB_MIRROR_URL: 'http://127.0.0.1:9/debian' },
    cfg,
  );
  const text = formatOrigins(options, '2012');
  const line = (name: string) => text.split('\n').find((l) => l.startsWith(`  ${name} `));

  it('shows each setting with its value and where it came from', () => {
    expect(text.startsWith('settings:\n')).toBe(true);
    expect(line('flavour')).toMatch(/^ {2}flavour +debug \[config file \/etc\/mk\/bundle\.cfg:1\]$/);
    expect(line('builtin list')).toMatch(/ b\.lst \[command line\]$/);
    expect(line('Debian mirror')).toMatch(/ http:\/\/127\.0\.0\.1:9\/debian \[environment\]$/);
    expect(line('parallel downloads')).toMatch(/ 4 \[command line\]$/);
    expect(line('open-vm-tools')).toMatch(/ the era's default \[default\]$/);
    expect(line('era')).toMatch(/ auto \(from the source tree\) \[default\]$/);
    expect(line('largest metadata file')).toMatch(/ 16 MiB \[default\]$/);
    expect(line('largest package or image')).toMatch(/ 1 GiB \[default\]$/);
    expect(line('Core ISO sha256')).toMatch(/ none \[default\]$/);
    expect(text.trimEnd().split('\n')).toHaveLength(34);
    expect(line('tc SSH keys')).toMatch(/ none \[default\]$/);
    expect(line('lockfile')).toMatch(/ mkbundle\.lock\.json \[default\]$/);
    expect(line('frozen (build the lock)')).toMatch(/ no \[default\]$/);
  });

  it('never shows the password, and escapes what would not print', () => {
    expect(line('tc password')).toMatch(/ \(not shown\) \[config file \/etc\/mk\/bundle\.cfg:2\]$/);
    expect(text).not.toContain('s3cret');
    expect(line('mirror list')).toMatch(/ 'm\\u\{1b\}\.lst' \[command line\]$/);
  });

  it('leaves out the MCollective tarball for a 2013 tree, which fetches none', () => {
    expect(line('MCollective tarball')).toBeDefined();
    const rows2013 = formatOrigins(options, '2013');
    expect(rows2013).not.toContain('MCollective');
    expect(rows2013.trimEnd().split('\n')).toHaveLength(32);
  });

  it('shows URLs with their credentials redacted', () => {
    const text = formatOrigins(
      resolveBundleOptions(
        { builtinList: 'b', mirrorList: 'm', mirror: ['http://u:s3cret@h/tcz'], dpkgList: ['http://TOKEN@h/P.gz'] },
        { DEB_MIRROR_URL: 'http://u:s3cret@h/debian' },
        {},
      ),
      '2012',
    );
    expect(text).not.toMatch(/s3cret|TOKEN/);
    expect(text).toContain('http://***@h/tcz [command line]');
    expect(text).toContain('http://***@h/P.gz [command line]');
    expect(text).toContain('http://***@h/debian [environment]');
  });

  it('leaves out the password lines of a prod image', () => {
    const prod = formatOrigins(
      resolveBundleOptions({ builtinList: 'b', mirrorList: 'm', buildProdImage: true }, {}, {}),
      '2012',
    );
    expect(prod).not.toContain('tc password');
    expect(prod).not.toContain('password hash');
  });
});
