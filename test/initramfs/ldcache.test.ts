import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileEntry } from '../../src/archive/entry.js';
import { buildLdCache, buildLdCacheFromTree, type LdCache } from '../../src/initramfs/ldcache.js';
import {
  buildLib,
  compilers,
  decodeEntries,
  generatorOf,
  type LibSpec,
  memoryTree,
  printCache,
  realLdconfig,
  symlinks,
} from './ldcache-helpers.js';

const cc = await compilers();

it('has gcc for x86-64 and i386 shared objects (scripts/setup installs it)', () => {
  expect(cc).toEqual({ gcc: true, m32: true });
});

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mk-ldcache-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

let count = 0;
const fresh = async () => {
  const dir = join(work, `tree${count++}`);
  await mkdir(join(dir, 'etc'), { recursive: true });
  return dir;
};

const cacheBytes = (result: LdCache) => (result.cache.data as Extract<FileEntry['data'], { from: 'buffer' }>).data;

/** The links of the staging tree after our links are added and stale ones removed, like `symlinks()` lists them. */
async function linksAfter(root: string, result: LdCache): Promise<string[]> {
  const listed = new Map((await symlinks(root)).map((line) => [line.split(' -> ')[0] as string, line]));
  for (const stale of result.stale) listed.delete(stale);
  for (const link of result.links) listed.set(link.path, `${link.path} -> ${link.target}`);
  return [...listed.values()].sort();
}

/** Ours against `ldconfig -r` on the same tree: the same cache bytes and the same links. */
async function expectSameAsLdconfig(root: string): Promise<LdCache> {
  const peer = await realLdconfig(root);
  const ours = await buildLdCache(root, { mtime: 0, generator: generatorOf(peer.cache) });
  const oursFile = join(work, `ours${count++}.cache`);
  await writeFile(oursFile, cacheBytes(ours));
  expect(await printCache(oursFile)).toEqual(peer.printed);
  expect(cacheBytes(ours).equals(peer.cache)).toBe(true);
  expect(await linksAfter(root, ours)).toEqual(peer.links);
  return ours;
}

describe('buildLdCache against ldconfig -r', () => {
  it('matches byte for byte on a tree with versions, directories, links and junk', async () => {
    const root = await fresh();
    const lib = (path: string, spec: LibSpec) => buildLib(join(root, path), spec);
    await lib('lib/libv.so.1.0', { soname: 'libv.so.1' });
    await cp(join(root, 'lib/libv.so.1.0'), join(root, 'lib/libv.so.1.9'));
    await cp(join(root, 'lib/libv.so.1.0'), join(root, 'lib/libv.so.1.10'));
    await symlink('libv.so.1', join(root, 'lib/libv.so'));
    await symlink('libv.so.1.0', join(root, 'lib/libalias.so.1'));
    await lib('lib/libnosoname.so.3', {});
    await lib('lib/libdup.so.2.0', { soname: 'libdup.so.2' });
    await mkdir(join(root, 'usr/local/lib'), { recursive: true });
    await cp(join(root, 'lib/libdup.so.2.0'), join(root, 'usr/local/lib/libdup.so.2.5'));
    await symlink('libv.so.1.9', join(root, 'usr/local/lib/libv.so.1'));
    await mkdir(join(root, 'usr/lib'), { recursive: true });
    await symlink('/lib/libv.so.1.0', join(root, 'usr/lib/libabs.so.7'));
    await writeFile(join(root, 'lib/libtext.so.1'), 'not a library\n');
    await writeFile(join(root, 'lib/libc.so'), '/* GNU ld script */\nGROUP ( /lib/libc.so.6 )\n');
    await cp(join(root, 'lib/libv.so.1.0'), join(root, 'lib/notalib.so.1'));
    await symlink('nowhere.so.1', join(root, 'lib/libdangle.so.1'));
    if (cc.m32) {
      await lib('lib/libc-2.13.so', { m32: true, soname: 'libc.so.6', interpreter: '/lib/ld-linux.so.2' });
      await lib('lib/ld-2.13.so', { m32: true, soname: 'ld-linux.so.2' });
      await lib('usr/local/lib/libplain32.so.4.1', { m32: true, soname: 'libplain32.so.4' });
    }
    await writeFile(join(root, 'etc/ld.so.conf'), '/usr/local/lib\n/usr/local/lib/\n');

    const ours = await expectSameAsLdconfig(root);
    expect(ours.stale).toEqual(['usr/local/lib/libv.so.1', 'lib/libdangle.so.1']);
    expect(ours.links).toContainEqual({
      kind: 'symlink',
      path: 'lib/libv.so.1',
      target: 'libv.so.1.10',
      mode: 0o777,
      uid: 0,
      gid: 0,
      mtime: 0,
    });
  });

  it('matches on a Tiny Core-like tree with an include and a linked directory', async () => {
    const root = await fresh();
    await buildLib(join(root, 'usr/local/lib/libssl.so.1.0.0'), { soname: 'libssl.so.1.0.0' });
    await buildLib(join(root, 'usr/local/lib/libcrypto.so.1.0.0'), { soname: 'libcrypto.so.1.0.0' });
    await symlink('libssl.so.1.0.0', join(root, 'usr/local/lib/libssl.so'));
    await buildLib(join(root, 'opt/real/libyaml-0.so.2.0.9'), { soname: 'libyaml-0.so.2' });
    await symlink('real', join(root, 'opt/lib'));
    await buildLib(join(root, 'lib/libz.so.1.2.13'), { soname: 'libz.so.1' });
    await mkdir(join(root, 'etc/ld.so.conf.d'), { recursive: true });
    await writeFile(join(root, 'etc/ld.so.conf'), '/usr/local/lib\ninclude /etc/ld.so.conf.d/*.conf\n');
    await writeFile(join(root, 'etc/ld.so.conf.d/opt.conf'), '/opt/lib\n');
    await writeFile(join(root, 'etc/ld.so.conf.d/real.conf'), '/opt/real\n');

    const ours = await expectSameAsLdconfig(root);
    expect(decodeEntries(cacheBytes(ours)).map((e) => e.value)).toEqual([
      '/lib/libz.so.1',
      '/opt/lib/libyaml-0.so.2',
      '/usr/local/lib/libssl.so.1.0.0',
      '/usr/local/lib/libssl.so',
      '/usr/local/lib/libcrypto.so.1.0.0',
    ]);
  });

  it('matches on an empty tree', async () => {
    await expectSameAsLdconfig(await fresh());
  });

  /** A few real libraries, copied under many names by the property below. */
  const prototypes: { base: string; spec: LibSpec }[] = [
    { base: 'libA.so.1', spec: { soname: 'libA.so.1' } },
    { base: 'libA.so.2', spec: { soname: 'libA.so.2' } },
    { base: 'libB.so.0', spec: { soname: 'libB.so.0' } },
    { base: 'libN.so', spec: {} },
    ...(cc.m32
      ? [
          { base: 'libD.so.1', spec: { m32: true, soname: 'libD.so.1' } },
          { base: 'libE.so.1', spec: { m32: true, soname: 'libE.so.1', interpreter: '/lib/ld-linux.so.2' } },
        ]
      : []),
  ];
  const dirs = ['lib', 'usr/lib', 'usr/local/lib', 'opt/lib'];
  type Target =
    | { readonly prefix: string; readonly proto: number; readonly version: string }
    | { readonly name: string };
  type Item =
    | { readonly kind: 'lib'; readonly dir: string; readonly proto: number; readonly version: string }
    | { readonly kind: 'text'; readonly dir: string; readonly n: number }
    | { readonly kind: 'link'; readonly dir: string; readonly name: string; readonly target: Target };
  // No leading zeros: names that libcmp finds equal would make ldconfig depend on readdir order.
  const version = fc.array(fc.nat({ max: 12 }), { minLength: 1, maxLength: 3 }).map((v) => v.join('.'));
  const dir = fc.constantFrom(...dirs);
  const linkName = fc.oneof(
    fc.constantFrom('libA.so.1', 'libA.so.2', 'libB.so.0', 'libD.so.1', 'libE.so.1', 'libA.so', 'libB.so', 'libN.so'),
    fc.tuple(fc.nat({ max: 3 }), fc.nat({ max: 3 })).map(([n, k]) => `libL${n}.so.${k}`),
  );
  const target: fc.Arbitrary<Target> = fc.oneof(
    fc.record({ prefix: fc.constantFrom('', '../lib/', '/usr/local/lib/', '../../lib/'), proto: fc.nat(), version }),
    linkName.map((name) => ({ name })),
    fc.constant({ name: 'missing.so.1' }),
  );
  const item: fc.Arbitrary<Item> = fc.oneof(
    fc.record({ kind: fc.constant('lib' as const), dir, proto: fc.nat(), version }),
    fc.record({ kind: fc.constant('text' as const), dir, n: fc.nat({ max: 3 }) }),
    fc.record({ kind: fc.constant('link' as const), dir, name: linkName, target }),
  );
  const conf = fc.array(
    fc.constantFrom('/usr/local/lib', '/opt/lib', '/opt/lib/', '/usr/lib', '/opt/lib=libc6', '# x'),
    {
      maxLength: 4,
    },
  );
  const base = (proto: number) => (prototypes[proto % prototypes.length] as { base: string }).base;

  /** Writes a generated layout (a later item wins a path), with its ld.so.conf. */
  async function writeLayout(root: string, items: readonly Item[], lines: readonly string[]): Promise<void> {
    const writes = new Map<string, () => Promise<void>>();
    for (const it of items) {
      if (it.kind === 'lib') {
        const path = join(root, it.dir, `${base(it.proto)}.${it.version}`);
        writes.set(path, () => cp(join(work, 'protos', base(it.proto)), path));
      } else if (it.kind === 'text') {
        // Never a soname: ldconfig -r would replace such a file with a link (see the last test).
        const path = join(root, it.dir, `libT${it.n}.so.1`);
        writes.set(path, () => writeFile(path, 'text\n'));
      } else {
        const path = join(root, it.dir, it.name);
        const to =
          'name' in it.target ? it.target.name : `${it.target.prefix}${base(it.target.proto)}.${it.target.version}`;
        writes.set(path, () => symlink(to, path));
      }
    }
    for (const d of dirs) await mkdir(join(root, d), { recursive: true });
    for (const write of writes.values()) await write();
    await writeFile(join(root, 'etc/ld.so.conf'), `${lines.join('\n')}\n`);
  }

  it('matches on generated trees', async () => {
    await mkdir(join(work, 'protos'));
    for (const { base, spec } of prototypes) await buildLib(join(work, 'protos', base), spec);
    await fc.assert(
      fc.asyncProperty(fc.array(item, { maxLength: 14 }), conf, async (items, lines) => {
        const root = await fresh();
        await writeLayout(root, items, lines);
        await expectSameAsLdconfig(root);
        await rm(root, { recursive: true, force: true });
      }),
      { numRuns: 40 },
    );
  });
});

describe('buildLdCache', () => {
  it('does not depend on the order the directory lists its files in', async () => {
    const libs = join(work, 'order');
    await buildLib(join(libs, 'a'), { soname: 'libq.so.1' });
    await buildLib(join(libs, 'b'), { soname: 'libr.so.2' });
    const [a, b] = [await readFile(join(libs, 'a')), await readFile(join(libs, 'b'))];
    const files = {
      '/lib/libq.so.1.0': a,
      '/lib/libq.so.1.2': a,
      '/lib/libq.so.1.10': a,
      '/lib/libr.so.2.0.1': b,
      '/usr/local/lib/libq.so.1.5': a,
      '/usr/local/lib/libr.so.2': b,
      '/usr/lib/libjunk.so.1': 'junk',
      '/etc/ld.so.conf': '/usr/local/lib\n',
    };
    const links = { '/lib/libq.so': 'libq.so.1', '/usr/lib/libfar.so.3': '/lib/libq.so.1.0', '/lib/libr.so.2': 'gone' };
    const build = (order: (names: string[]) => string[]) =>
      buildLdCacheFromTree(memoryTree(files, links, order), { mtime: 7 });
    const expected = await build((names) => names);
    expect(expected.links.map((l) => `${l.path} -> ${l.target}`)).toEqual([
      'usr/local/lib/libq.so.1 -> libq.so.1.5',
      'lib/libr.so.2 -> libr.so.2.0.1',
      'lib/libq.so.1 -> libq.so.1.10',
      'usr/lib/libq.so.1 -> libfar.so.3',
    ]);
    await fc.assert(
      fc.asyncProperty(fc.integer(), async (salt) => {
        const shuffled = await build((names) =>
          [...names].sort((x, y) => hash(`${salt}${x}`) - hash(`${salt}${y}`) || (x < y ? -1 : 1)),
        );
        expect(cacheBytes(shuffled).equals(cacheBytes(expected))).toBe(true);
        expect(shuffled.links).toEqual(expected.links);
        expect(shuffled.stale).toEqual(expected.stale);
      }),
      { numRuns: 50 },
    );
  });

  it('returns the cache as etc/ld.so.cache, readable by all', async () => {
    const result = await buildLdCacheFromTree(memoryTree({}), { mtime: 1_704_067_200 });
    expect(result.cache).toMatchObject({ kind: 'file', path: 'etc/ld.so.cache', mode: 0o644, uid: 0, gid: 0 });
    expect(result.cache.mtime).toBe(1_704_067_200);
    expect(result.cache.size).toBe(cacheBytes(result).length);
    expect(generatorOf(cacheBytes(result))).toBe('mkbundle');
  });

  it('leaves a regular file under a soname alone', async () => {
    const libs = join(work, 'file-soname');
    await buildLib(join(libs, 'a'), { soname: 'libq.so.1' });
    const a = await readFile(join(libs, 'a'));
    const result = await buildLdCacheFromTree(memoryTree({ '/lib/libq.so.1': a, '/lib/libq.so.1.4': a }), { mtime: 0 });
    expect(result.links).toEqual([]);
    expect(decodeEntries(cacheBytes(result)).map((e) => e.value)).toEqual(['/lib/libq.so.1']);
  });
});

function hash(s: string): number {
  let h = 2166136261;
  for (const c of Buffer.from(s)) h = Math.imul(h ^ c, 16777619) >>> 0;
  return h;
}
