import { describe, expect, it } from 'vitest';
import { resolveBundleOptions } from '../../src/config/options.js';
import { UsageError } from '../../src/errors.js';
import { formatPlan } from '../../src/plan/format.js';
import { configuredUrls, makePlan, tarballDir } from '../../src/plan/plan.js';

const tcz = (name: string) => ({ kind: 'tcz' as const, name });
const inputs = {
  builtin: ['bash.tcz', 'openssh.tcz', 'ruby.tcz'].map(tcz),
  mirror: ['fuse.tcz'].map(tcz),
  utilLinuxPaths: ['usr/local/sbin/sfdisk', 'usr/local/bin/lscpu'],
  era: '2012' as const,
};
const options = (extra: Parameters<typeof resolveBundleOptions>[0] = {}) =>
  resolveBundleOptions({ builtinList: 'b', mirrorList: 'm', ...extra }, {}, {});

describe('makePlan', () => {
  it('derives the seed layout for a dev bundle', () => {
    const plan = makePlan(options(), inputs);
    expect(plan.flavour).toBe('dev');
    expect(plan.mirror.tczUrl).toBe('http://distro.ibiblio.org/tinycorelinux/4.x/x86/tcz');
    expect(plan.coreIso).toEqual({
      url: 'http://distro.ibiblio.org/tinycorelinux/4.x/x86/release/Core-current.iso',
      file: 'Core-current.iso',
    });
    expect(plan.builtin).toEqual({
      list: 'builtin',
      names: ['bash.tcz', 'openssh.tcz', 'ruby.tcz'],
      debs: [],
      dir: 'tmp/builtin/optional',
      files: ['tcz', 'md5.txt', 'dep'],
    });
    expect(plan.mirrorSet.dir).toBe('tmp/tinycorelinux/4.x/x86/tcz');
    expect(plan.mirrorSet.files).toEqual(['tcz', 'md5.txt', 'info', 'list', 'dep']);
    expect(plan.tree).toMatchObject({
      era: '2012',
      mcollective: { file: 'mcollective-2.0.0.tgz', dir: 'mcollective-2.0.0' },
    });
    expect(plan.rubygems.file).toBe('rubygems-1.8.24.tgz');
    expect(plan.symlinks).toContainEqual({
      path: 'usr/local/mcollective',
      target: '/usr/local/tce.installed/mcollective-2.0.0',
    });
    expect(plan.bundleFile).toBe('razor-microkernel-bundle-dev.tar.gz');
  });

  it('carries each pin with its download; none without one', () => {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((x) => x.repeat(64));
    const plan = makePlan(
      options({ isoSha256: a, rubygemsSha256: b, mcollectiveSha256: c, openVmToolsSha256: d }),
      inputs,
    );
    expect(plan.coreIso.sha256).toBe(a);
    expect(plan.rubygems.sha256).toBe(b);
    expect(plan.tree.era === '2012' && plan.tree.mcollective.sha256).toBe(c);
    expect(plan.openVmTools.sha256).toBe(d);
    expect('sha256' in makePlan(options(), inputs).coreIso).toBe(false);
  });

  it('names every URL redacted; configuredUrls keeps the credentials for the HTTP client', () => {
    const given = options({
      mirror: ['http://u:s3cret@h/tcz'],
      isoUrl: 'http://u:s3cret@h/release/Core-current.iso',
      gemSource: 'https://TOKEN@gems.h',
      rubygemsUrl: 'http://u:s3cret@h/rubygems-1.8.24.tgz',
      mcollectiveUrl: 'http://u:s3cret@h/mcollective-2.0.0.tgz',
      openVmToolsUrl: 'http://u:s3cret@h/mk-open-vm-tools.tar.gz',
      dpkgList: ['http://u:s3cret@h/Packages.gz'],
      debMirror: 'http://u:s3cret@h/debian',
    });
    const plan = makePlan(given, inputs);
    const text = `${JSON.stringify(plan)}\n${formatPlan(plan)}`;
    expect(text).not.toMatch(/s3cret|TOKEN|u:/);
    expect(plan.mirror.tczUrl).toBe('http://***@h/tcz');
    expect(plan.gemSource).toBe('https://***@gems.h');
    expect(plan.debian.packageLists).toEqual(['http://***@h/Packages.gz']);
    expect(configuredUrls(given).filter((u) => u.includes('s3cret') || u.includes('TOKEN'))).toHaveLength(9);
    expect(configuredUrls(given)).toContain('http://u:s3cret@h/release/Core-current.iso.md5.txt');
  });

  it('a 2013 tree has no MCollective: nothing to fetch, no links to it, a bad MCollective URL never read', () => {
    const plan = makePlan(options({ mcollectiveUrl: 'http://h/not-a-tarball' }), { ...inputs, era: '2013' });
    expect(plan.tree).toEqual({ era: '2013' });
    expect(plan.symlinks).toEqual([{ path: 'usr/sbin/dmidecode', target: '/usr/local/sbin/dmidecode' }]);
    expect(formatPlan(plan)).not.toMatch(/mcollective/i);
    expect(formatPlan(plan)).toContain('the 2013 layout');
  });

  it('.deb entries become NAME.tcz in place in onboot.lst, and are fetched from the Debian sources', () => {
    const deb = (pkg: string) => ({ kind: 'deb' as const, package: pkg, name: `${pkg}.tcz` });
    const plan = makePlan(options({ buildProdImage: true }), {
      ...inputs,
      builtin: [tcz('ruby.tcz'), deb('lshw'), tcz('openssh.tcz'), tcz('bash.tcz')],
      mirror: [deb('hdparm'), tcz('fuse.tcz')],
    });
    expect(plan.onboot).toEqual(['ruby.tcz', 'lshw.tcz', 'bash.tcz']);
    expect(plan.builtin.names).toEqual(['ruby.tcz', 'bash.tcz']);
    expect(plan.builtin.debs).toEqual([{ package: 'lshw', name: 'lshw.tcz' }]);
    expect(plan.mirrorSet.debs).toEqual([{ package: 'hdparm', name: 'hdparm.tcz' }]);
    expect(plan.mirrorSet.names).toEqual(['fuse.tcz']);
  });

  it('leaves openssh out of a prod bundle', () => {
    const plan = makePlan(options({ buildProdImage: true }), inputs);
    expect(plan.builtin.names).toEqual(['bash.tcz', 'ruby.tcz']);
    expect(plan.onboot).toEqual(['bash.tcz', 'ruby.tcz']);
    expect(plan.excluded).toEqual(['openssh.tcz']);
    expect(plan.bundleFile).toBe('razor-microkernel-bundle-prod.tar.gz');
  });

  it('follows --tc-version, --arch and explicit URLs', () => {
    const plan = makePlan(
      options({ tcVersion: '16', arch: 'x86_64', mcollectiveUrl: 'http://h/m/mco-2.3.tar.gz' }),
      inputs,
    );
    expect(plan.mirror.isoUrl).toBe(
      'http://distro.ibiblio.org/tinycorelinux/16.x/x86_64/release/CorePure64-current.iso',
    );
    expect(plan.mirror.boot).toEqual({ kernel: 'boot/vmlinuz64', initrd: 'boot/corepure64.gz' });
    expect(plan.mirrorSet.dir).toBe('tmp/tinycorelinux/16.x/x86_64/tcz');
    expect(plan.tree).toMatchObject({ mcollective: { dir: 'mco-2.3' } });
    const explicit = makePlan(
      options({ mirror: ['http://127.0.0.1:9/x/tcz'], isoUrl: 'http://127.0.0.1:9/c.iso' }),
      inputs,
    );
    expect(explicit.mirror.tczUrl).toBe('http://127.0.0.1:9/x/tcz');
    expect(explicit.coreIso.file).toBe('c.iso');
  });

  it('rejects URLs that name no usable file', () => {
    expect(() => makePlan(options({ mcollectiveUrl: 'http://h/m/mco.zip' }), inputs)).toThrowError(UsageError);
    expect(() => makePlan(options({ rubygemsUrl: 'http://h/' }), inputs)).toThrowError(/does not end in a file name/);
    expect(tarballDir('a-1.tar.gz', 'u')).toBe('a-1');
  });
});

describe('formatPlan', () => {
  it('lists every URL and where it lands', () => {
    const text = formatPlan(makePlan(options({ buildProdImage: true }), inputs));
    expect(text).toContain(
      'http://distro.ibiblio.org/tinycorelinux/4.x/x86/tcz/ruby.tcz.md5.txt → tmp/builtin/optional/ruby.tcz.md5.txt',
    );
    expect(text).toContain(
      'http://distro.ibiblio.org/tinycorelinux/4.x/x86/tcz/fuse.tcz.info → tmp/tinycorelinux/4.x/x86/tcz/fuse.tcz.info',
    );
    expect(text).toContain('left out of a prod image: openssh.tcz');
    expect(text).toContain('onboot.lst → overlay tmp/builtin/onboot.lst: bash.tcz ruby.tcz');
    expect(text).not.toContain('openssh.tcz.md5.txt');
  });
});
