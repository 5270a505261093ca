import { describe, expect, it } from 'vitest';
import { resolveBundleOptions } from '../../src/config/options.js';
import { formatPlan } from '../../src/plan/format.js';
import { plannedInputs } from '../../src/plan/inputs.js';
import { makePlan } from '../../src/plan/plan.js';

const tcz = (name: string) => ({ kind: 'tcz' as const, name });
const deb = { kind: 'deb' as const, package: 'lshw', name: 'lshw.tcz' };
const options = resolveBundleOptions({ builtinList: 'b', mirrorList: 'm', buildProdImage: true }, {}, {});
const TCZ = 'http://distro.ibiblio.org/tinycorelinux/4.x/x86/tcz';

describe('plannedInputs', () => {
  it('every URL the plan names before a request, where it lands, its kind, in the order --dry-run prints', () => {
    const plan = makePlan(options, {
      builtin: [tcz('bash.tcz'), tcz('openssh.tcz')],
      mirror: [tcz('fuse.tcz')],
      utilLinuxPaths: ['usr/local/sbin/sfdisk'],
      era: '2013',
    });
    const inputs = plannedInputs(plan);
    expect(inputs.map(({ url, to, kind, optional }) => [url.replace(TCZ, 'T'), to, kind, optional])).toEqual([
      [
        'http://distro.ibiblio.org/tinycorelinux/4.x/x86/release/Core-current.iso',
        'bundle Core-current.iso',
        'payload',
        false,
      ],
      [
        'http://distro.ibiblio.org/tinycorelinux/4.x/x86/release/Core-current.iso.md5.txt',
        'checks Core-current.iso',
        'metadata',
        true,
      ],
      [
        'http://production.cf.rubygems.org/rubygems/rubygems-1.8.24.tgz',
        'overlay opt/rubygems-1.8.24.tgz',
        'payload',
        false,
      ],
      ['T/util-linux.tcz', 'overlay usr/local/sbin/sfdisk', 'payload', false],
      ['T/util-linux.tcz.md5.txt', 'checks util-linux.tcz', 'metadata', false],
      [plan.openVmTools.url, 'bundle dependencies/mk-open-vm-tools.tar.gz', 'payload', false],
      ['T/bash.tcz', 'tmp/builtin/optional/bash.tcz', 'payload', false],
      ['T/bash.tcz.md5.txt', 'tmp/builtin/optional/bash.tcz.md5.txt', 'metadata', false],
      ['T/bash.tcz.dep', 'tmp/builtin/optional/bash.tcz.dep', 'metadata', true],
      ['T/fuse.tcz', 'tmp/tinycorelinux/4.x/x86/tcz/fuse.tcz', 'payload', false],
      ...['md5.txt', 'info', 'list', 'dep'].map((file) => [
        `T/fuse.tcz.${file}`,
        `tmp/tinycorelinux/4.x/x86/tcz/fuse.tcz.${file}`,
        'metadata',
        file === 'dep',
      ]),
    ]);
    // Every input is a line of the dry run's text.
    const text = formatPlan(plan);
    for (const input of inputs) expect(text).toContain(`${input.url} → ${input.to}`);
  });

  it('the Debian package lists only when a list has a .deb entry; MCollective only for a 2012 tree', () => {
    const without = makePlan(options, { builtin: [tcz('bash.tcz')], mirror: [], utilLinuxPaths: [], era: '2012' });
    expect(plannedInputs(without).filter((i) => i.group === 'debian')).toEqual([]);
    expect(plannedInputs(without).map((i) => i.to)).toContain(
      'unpacked in overlay usr/local/tce.installed/mcollective-2.0.0/',
    );
    const withDeb = makePlan(options, { builtin: [deb], mirror: [], utilLinuxPaths: [], era: '2013' });
    expect(plannedInputs(withDeb).filter((i) => i.group === 'debian')).toEqual([
      {
        url: options.debian.packageLists[0],
        to: 'Debian package index',
        kind: 'index',
        optional: false,
        group: 'debian',
      },
    ]);
    expect(plannedInputs(withDeb).some((i) => i.url.includes('mcollective'))).toBe(false);
  });
});
