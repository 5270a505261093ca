import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TarballEntry, tarGz } from '../world/tarballs.js';
import { makeTcz } from '../world/tinycore-squashfs.js';
import { file, script } from '../world/tinycore-tree.js';
import { type Allowance, compareArchives, type Difference, explain, formatDifferences } from './compare.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-compare-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function archive(name: string, entries: readonly TarballEntry[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, tarGz(entries));
  return path;
}

const same: TarballEntry[] = [
  { type: 'dir', path: 'etc' },
  { type: 'file', path: 'etc/passwd', data: 'root:x:0:0::/root:/bin/sh\n' },
  { type: 'symlink', path: 'etc/mtab', target: '/proc/mounts' },
];

describe('compareArchives', () => {
  it('finds nothing between equal archives', async () => {
    expect(await compareArchives(await archive('a.tgz', same), await archive('b.tgz', same))).toEqual([]);
  });

  it('reports each field that differs, and paths only one side has', async () => {
    const upstream = await archive('up.tgz', [
      ...same,
      { type: 'file', path: 'etc/shadow', data: 'tc:x:1\n', mode: 0o644 },
      { type: 'symlink', path: 'usr/sbin/dmidecode', target: '/usr/local/sbin/dmidecode' },
      { type: 'file', path: 'only-upstream', data: 'a' },
      { type: 'file', path: 'was-file', data: 'a' },
    ]);
    const ours = await archive('ours.tgz', [
      ...same,
      { type: 'file', path: 'etc/shadow', data: 'tc:y:12\n', mode: 0o600 },
      { type: 'symlink', path: 'usr/sbin/dmidecode', target: '/usr/sbin/dmidecode' },
      { type: 'dir', path: 'was-file' },
    ]);
    const diffs = await compareArchives(upstream, ours);
    expect(diffs.map((d) => `${d.path} ${d.field}`)).toEqual([
      'etc/shadow mode',
      'etc/shadow size',
      'etc/shadow sha256',
      'only-upstream presence',
      'usr/sbin/dmidecode target',
      'was-file type',
      'was-file mode',
      'was-file size',
      'was-file sha256',
    ]);
    expect(diffs[0]).toEqual({ path: 'etc/shadow', field: 'mode', upstream: '0644', ours: '0600' });
    expect(diffs[3]).toEqual({ path: 'only-upstream', field: 'presence', upstream: 'file', ours: undefined });
    expect(formatDifferences(diffs.slice(3, 5))).toBe(
      'only-upstream  presence  file → (none)\nusr/sbin/dmidecode  target  /usr/local/sbin/dmidecode → /usr/sbin/dmidecode',
    );
  });

  it('tells a gzip header change from a content change', async () => {
    const body = Buffer.from('the same index\n');
    const stamped = gzipSync(body);
    stamped.writeUInt32LE(1_381_276_800, 4); // the gzip header's MTIME field
    const diffs = await compareArchives(
      await archive('gz-a.tgz', [{ type: 'file', path: 'specs.4.8.gz', data: gzipSync(body) }]),
      await archive('gz-b.tgz', [
        { type: 'file', path: 'specs.4.8.gz', data: stamped },
        { type: 'file', path: 'other.gz', data: gzipSync('x') },
      ]),
    );
    expect(diffs.map((d) => `${d.path} ${d.field}`)).toEqual(['other.gz presence', 'specs.4.8.gz sha256']);
  });

  it('looks inside .tcz files whose bytes differ', async () => {
    const work = join(dir, 'tcz');
    const a = await makeTcz([script('usr/bin/lshw', 'echo lshw\n'), file('usr/share/lshw/pci.ids', 'x\n')], work);
    const b = await makeTcz([script('usr/bin/lshw', 'echo lshw\n', 0o700)], work);
    const diffs = await compareArchives(
      await archive('tcz-a.tgz', [{ type: 'file', path: 'lshw.tcz', data: a }]),
      await archive('tcz-b.tgz', [{ type: 'file', path: 'lshw.tcz', data: b }]),
    );
    expect(diffs.map((d) => `${d.path} ${d.field}`)).toEqual([
      'lshw.tcz sha256',
      'lshw.tcz:/usr/bin/lshw mode',
      'lshw.tcz:/usr/share presence',
      'lshw.tcz:/usr/share/lshw presence',
      'lshw.tcz:/usr/share/lshw/pci.ids presence',
    ]);
  });
});

describe('explain', () => {
  const diffs: Difference[] = [
    { path: 'etc/shadow', field: 'mode', upstream: '0644', ours: '0600' },
    { path: 'etc/shadow', field: 'sha256', upstream: 'aa', ours: 'bb' },
    { path: 'etc/passwd', field: 'mode', upstream: '0644', ours: '0600' },
  ];
  const shadowMode: Allowance = { paths: /^etc\/shadow$/, fields: ['mode'], why: 'mode' };
  const devSalt: Allowance = { paths: /^etc\/shadow$/, fields: ['sha256'], flavours: ['dev'], why: 'salt' };
  const stale: Allowance = { paths: /^opt\//, fields: ['presence'], why: 'stale' };

  it('leaves what no allowance names, field by field and flavour by flavour', () => {
    const dev = explain(diffs, [shadowMode, devSalt], 'dev');
    expect(dev.unexplained).toEqual([diffs[2]]);
    expect(dev.allowed.map((d) => d.why)).toEqual(['mode', 'salt']);
    expect(explain(diffs, [shadowMode, devSalt], 'prod').unexplained).toEqual([diffs[1], diffs[2]]);
  });

  it('names allowances of the flavour that matched nothing', () => {
    expect(explain(diffs, [shadowMode, devSalt, stale], 'dev').unused).toEqual([stale]);
    expect(explain(diffs, [shadowMode, devSalt], 'prod').unused).toEqual([]);
  });
});
