import { describe, expect, it } from 'vitest';
import { compareListings } from '../../src/diff/compare.js';
import { formatDiff } from '../../src/diff/index.js';
import type { Listed } from '../../src/listing/listed.js';

const f = (sha256: string, size = 1, extra: Partial<Listed> = {}): Listed => ({
  kind: 'file',
  mode: 0o644,
  uid: 0,
  gid: 0,
  mtime: 1,
  size,
  sha256,
  ...extra,
});
const d: Listed = { kind: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: 1 };

describe('compareListings', () => {
  it('finds two equal listings the same, whatever their mtimes', () => {
    const a = new Map([
      ['etc', d],
      ['etc/motd', f('aa')],
    ]);
    const b = new Map([
      ['etc', { ...d, mtime: 9 }],
      ['etc/motd', f('aa', 1, { mtime: 9 })],
    ]);
    expect(compareListings(a, b)).toEqual({ same: true, added: [], removed: [], changed: [] });
    expect(formatDiff(compareListings(a, b))).toBe('no differences\n');
  });

  it('says what was added, removed and how the rest changed, in path order', () => {
    const a = new Map<string, Listed>([
      ['bin/sh', { kind: 'symlink', mode: 0o777, uid: 0, gid: 0, target: 'busybox' }],
      ['etc/motd', f('aa', 3)],
      ['etc/shadow', f('bb', 5, { mode: 0o600 })],
      ['dev/null', { kind: 'chardev', mode: 0o666, uid: 0, gid: 0, device: '1,3' }],
      ['gone', f('cc', 7)],
      ['was-file', f('dd')],
    ]);
    const b = new Map<string, Listed>([
      ['bin/sh', { kind: 'symlink', mode: 0o777, uid: 0, gid: 0, target: 'bash' }],
      ['etc/motd', f('ee', 4)],
      ['etc/shadow', f('bb', 5, { mode: 0o640, gid: 50 })],
      ['dev/null', { kind: 'chardev', mode: 0o666, uid: 0, gid: 0, device: '1,5' }],
      ['new', { kind: 'dir', mode: 0o755, uid: 0, gid: 0 }],
      ['was-file', d],
    ]);
    const report = compareListings(a, b);
    expect(report).toEqual({
      same: false,
      added: [{ path: 'new', type: 'dir', size: 0 }],
      removed: [{ path: 'gone', type: 'file', size: 7 }],
      changed: [
        { path: 'bin/sh', what: ['target'] },
        { path: 'dev/null', what: ['content'] },
        { path: 'etc/motd', what: ['size', 'content'] },
        { path: 'etc/shadow', what: ['mode', 'owner'] },
        { path: 'was-file', what: ['type', 'mode', 'size', 'content'] },
      ],
    });
    expect(formatDiff(report)).toBe(
      [
        '~ bin/sh (target)',
        '~ dev/null (content)',
        '~ etc/motd (size, content)',
        '~ etc/shadow (mode, owner)',
        '- gone',
        '+ new',
        '~ was-file (type, mode, size, content)',
        '',
      ].join('\n'),
    );
  });

  it('reports inside a container both sides have, and only the container when one side lacks it', () => {
    const a = new Map<string, Listed>([
      ['boot/core.gz', f('11')],
      ['boot/core.gz:/etc/motd', f('aa')],
      ['x.tcz', f('22')],
      ['x.tcz:/usr/bin/x', f('bb')],
    ]);
    const b = new Map<string, Listed>([
      ['boot/core.gz', f('33')],
      ['boot/core.gz:/etc/motd', f('cc')],
      ['boot/core.gz:/etc/issue', f('dd')],
      ['boot/core.gz:/y.tcz', f('44')],
      ['boot/core.gz:/y.tcz:/usr/bin/y', f('ee')],
    ]);
    expect(formatDiff(compareListings(a, b))).toBe(
      [
        '~ boot/core.gz (content)',
        '+ boot/core.gz:/etc/issue',
        '~ boot/core.gz:/etc/motd (content)',
        '+ boot/core.gz:/y.tcz',
        '- x.tcz',
        '',
      ].join('\n'),
    );
  });

  it('shows paths with control characters escaped', () => {
    const report = compareListings(new Map(), new Map([['evil\u001b[2Jname', f('aa')]]));
    expect(formatDiff(report)).toBe('+ evil\\u{1b}[2Jname\n');
  });
});
