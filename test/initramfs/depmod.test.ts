import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { execa } from 'execa';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileEntry } from '../../src/archive/entry.js';
import { ArchiveError, InputError, ToolMissingError } from '../../src/errors.js';
import { runDepmod } from '../../src/initramfs/depmod.js';
import { type IndexNode, mapIndexValues, readIndex, writeIndex } from '../../src/initramfs/kmod-index.js';
import { findTool } from '../../src/tools/which.js';
import { fetchKernel } from '../world/bootable/kernel.js';

/** Debian's kernel, as the bootable test world fetches and caches it. */
const kernel = await fetchKernel();
const depmod = await findTool('depmod');

/** vsock_loopback needs vmw_vsock_virtio_transport_common, which needs vsock. */
const VSOCK = 'kernel/net/vmw_vsock';
const CHAIN = ['vsock', 'vmw_vsock_virtio_transport_common', 'vsock_loopback'];

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mk-depmod-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

let count = 0;
const fresh = async () => {
  const dir = join(work, `staging${count++}`);
  await mkdir(dir);
  return dir;
};

const body = (entry: FileEntry | undefined): Buffer => {
  if (entry?.data.from !== 'buffer') throw new Error('expected a buffer entry');
  return entry.data.data;
};
const byName = (entries: readonly FileEntry[]) => new Map(entries.map((e) => [e.path.split('/').at(-1) as string, e]));

describe('runDepmod with Debian kernel modules', () => {
  const { kver, modulesDir } = kernel;
  const modules = `lib/modules/${kver}`;
  const tclocal = `usr/local/lib/modules/${kver}/kernel`;

  /** Stages the chain's modules; `where` puts each in lib/modules (`kernel`) or Tiny Core's tclocal tree. */
  async function stage(opts: { where: (name: string) => 'kernel' | 'tclocal'; gzip?: boolean; order?: 'reverse' }) {
    const root = await fresh();
    await mkdir(join(root, modules), { recursive: true });
    for (const file of ['modules.order', 'modules.builtin', 'modules.builtin.modinfo']) {
      await cp(join(modulesDir, file), join(root, modules, file));
    }
    await mkdir(join(root, tclocal), { recursive: true });
    await symlink(`../../../${tclocal}`, join(root, modules, 'kernel.tclocal'));
    const names = opts.order === 'reverse' ? [...CHAIN].reverse() : CHAIN;
    for (const name of names) {
      const dir = opts.where(name) === 'kernel' ? join(root, modules, VSOCK) : join(root, tclocal, 'net/vmw_vsock');
      await mkdir(dir, { recursive: true });
      const data = await readFile(join(modulesDir, VSOCK, `${name}.ko`));
      if (opts.gzip) await writeFile(join(dir, `${name}.ko.gz`), gzipSync(data));
      else await writeFile(join(dir, `${name}.ko`), data);
    }
    return root;
  }

  /** The host's depmod run by hand on a copy: what runDepmod must return for a tree it need not touch. */
  async function directly(root: string): Promise<Map<string, Buffer>> {
    const copy = await fresh();
    await cp(root, copy, { recursive: true, verbatimSymlinks: true });
    const before = new Set(await readdir(join(copy, modules)));
    await execa(depmod as string, ['-a', '-b', copy, kver]);
    const out = new Map<string, Buffer>();
    for (const name of await readdir(join(copy, modules))) {
      if (!before.has(name)) out.set(name, await readFile(join(copy, modules, name)));
    }
    return out;
  }

  it('indexes a dependency chain, as depmod run by hand does, without touching the staging', async () => {
    const root = await stage({ where: () => 'kernel' });
    const result = await runDepmod(root, kver, { mtime: 1_704_067_200 });
    const files = byName(result.entries);
    expect(body(files.get('modules.dep')).toString()).toBe(
      [
        `${VSOCK}/vsock.ko:`,
        `${VSOCK}/vmw_vsock_virtio_transport_common.ko: ${VSOCK}/vsock.ko`,
        `${VSOCK}/vsock_loopback.ko: ${VSOCK}/vmw_vsock_virtio_transport_common.ko ${VSOCK}/vsock.ko`,
        '',
      ].join('\n'),
    );
    const expected = await directly(root);
    expect([...files.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [name, data] of expected) expect(body(files.get(name)).equals(data)).toBe(true);
    for (const entry of result.entries) {
      expect(entry).toMatchObject({ kind: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 1_704_067_200 });
      expect(entry.path.startsWith(`${modules}/modules.`)).toBe(true);
      expect(entry.size).toBe(body(entry).length);
    }
    expect(await readdir(join(root, modules))).not.toContain('modules.dep');
  });

  it("follows kernel.tclocal into Tiny Core's usr/local module tree", async () => {
    const root = await stage({ where: (name) => (name === 'vsock_loopback' ? 'tclocal' : 'kernel') });
    const dep = body(byName((await runDepmod(root, kver, { mtime: 0 })).entries).get('modules.dep')).toString();
    expect(dep).toContain(
      `kernel.tclocal/net/vmw_vsock/vsock_loopback.ko: ${VSOCK}/vmw_vsock_virtio_transport_common.ko ${VSOCK}/vsock.ko\n`,
    );
  });

  it('takes an absolute kernel.tclocal link inside the staging, not on the host', async () => {
    const root = await stage({ where: (name) => (name === 'vsock_loopback' ? 'tclocal' : 'kernel') });
    await rm(join(root, modules, 'kernel.tclocal'));
    await symlink(`/${tclocal}`, join(root, modules, 'kernel.tclocal'));
    const dep = body(byName((await runDepmod(root, kver, { mtime: 0 })).entries).get('modules.dep')).toString();
    expect(dep).toContain('kernel.tclocal/net/vmw_vsock/vsock_loopback.ko:');
  });

  it('indexes gzipped modules as a zlib-enabled depmod would', async () => {
    const where = (name: string) => (name === 'vsock_loopback' ? 'tclocal' : 'kernel');
    const plain = await directly(await stage({ where }));
    const files = byName((await runDepmod(await stage({ where, gzip: true }), kver, { mtime: 0 })).entries);
    const gz = (line: string) => line.replace(/\.ko\b/g, '.ko.gz');
    expect(body(files.get('modules.dep')).toString()).toBe(gz((plain.get('modules.dep') as Buffer).toString()));
    const depBin = writeIndex(mapIndexValues(readIndex(plain.get('modules.dep.bin') as Buffer, 'plain'), gz));
    expect(body(files.get('modules.dep.bin')).equals(depBin)).toBe(true);
    for (const [name, data] of plain) {
      if (!name.startsWith('modules.dep')) expect(body(files.get(name)).equals(data)).toBe(true);
    }
  });

  it('gives the same files whatever order the staging was written in', async () => {
    const where = (name: string) => (name === 'vsock' ? 'kernel' : 'tclocal');
    const a = await runDepmod(await stage({ where, gzip: true }), kver, { mtime: 5 });
    const b = await runDepmod(await stage({ where, gzip: true, order: 'reverse' }), kver, { mtime: 5 });
    expect(b.entries).toEqual(a.entries);
  });

  it('reports a corrupt gzipped module', async () => {
    const root = await stage({ where: () => 'kernel', gzip: true });
    await writeFile(join(root, modules, VSOCK, 'vsock.ko.gz'), 'not gzip');
    await expect(runDepmod(root, kver, { mtime: 0 })).rejects.toThrow(ArchiveError);
  });

  it('passes on depmod warnings, naming the staging directory', async () => {
    const root = await stage({ where: () => 'kernel' });
    await rm(join(root, modules, 'modules.order'));
    const { warnings } = await runDepmod(root, kver, { mtime: 0 });
    expect(warnings.some((w) => w.includes('modules.order') && w.includes(root))).toBe(true);
  });
});

describe('runDepmod errors', () => {
  const staged = async (kver: string) => {
    const root = await fresh();
    await mkdir(join(root, 'lib/modules', kver), { recursive: true });
    return root;
  };

  it('refuses a kernel version depmod would not take for one', async () => {
    const root = await staged('tinycore');
    await expect(runDepmod(root, 'tinycore', { mtime: 0 })).rejects.toThrow(InputError);
    await expect(runDepmod(root, '../../etc', { mtime: 0 })).rejects.toThrow(InputError);
  });

  it('refuses a staging directory without the module directory', async () => {
    await expect(runDepmod(await fresh(), '6.6.8-tinycore64', { mtime: 0 })).rejects.toThrow(
      /no such module directory/,
    );
  });

  it('names the Debian package when the depmod program is missing', async () => {
    const root = await staged('6.6.8-tinycore64');
    const error = await runDepmod(root, '6.6.8-tinycore64', { mtime: 0, depmod: join(work, 'no-depmod') }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ToolMissingError);
    expect((error as ToolMissingError).message).toContain("'kmod'");
  });

  it('turns a failed depmod run into a one-line ArchiveError', async () => {
    const root = await staged('6.6.8-tinycore64');
    const fake = join(work, 'failing-depmod');
    await writeFile(fake, '#!/bin/sh\necho "depmod: FATAL: could not search modules: Bad message" >&2\nexit 1\n');
    await chmod(fake, 0o755);
    await expect(runDepmod(root, '6.6.8-tinycore64', { mtime: 0, depmod: fake })).rejects.toThrow(
      /depmod failed: 'depmod: FATAL: could not search modules: Bad message'$/,
    );
    expect((await stat(root)).isDirectory()).toBe(true);
  });
});

describe('kmod index', () => {
  const byte = fc.integer({ min: 1, max: 127 });
  const text = fc.string({ unit: byte.map((b) => String.fromCharCode(b)), maxLength: 6 });
  const treeOf = (depth: number): fc.Arbitrary<IndexNode> =>
    fc.record({
      prefix: text,
      children:
        depth === 0
          ? fc.constant(new Map<number, IndexNode>())
          : fc.array(fc.tuple(byte, treeOf(depth - 1)), { maxLength: 3 }).map((pairs) => new Map(pairs)),
      values: fc.array(fc.record({ priority: fc.nat(), value: text }), { maxLength: 3 }),
    });
  const tree = treeOf(3);

  it('reads back what it writes', () => {
    fc.assert(
      fc.property(tree, (root) => {
        const bytes = writeIndex(root);
        expect(readIndex(bytes, 'test')).toEqual(root);
        expect(writeIndex(readIndex(bytes, 'test')).equals(bytes)).toBe(true);
      }),
    );
  });

  it('rejects files that are not kmod indexes, or corrupt ones', () => {
    expect(() => readIndex(Buffer.from('not an index at all'), 'x.bin')).toThrow(ArchiveError);
    const bytes = writeIndex({ prefix: 'abc', children: new Map(), values: [{ priority: 1, value: 'v' }] });
    expect(() => readIndex(bytes.subarray(0, bytes.length - 3), 'x.bin')).toThrow(/x\.bin: /);
  });

  it('writes the bytes depmod writes', async () => {
    const root = await fresh();
    const { kver, modulesDir } = kernel as { kver: string; modulesDir: string };
    await mkdir(join(root, 'lib/modules', kver), { recursive: true });
    await cp(join(modulesDir, 'kernel/net'), join(root, 'lib/modules', kver, 'kernel/net'), { recursive: true });
    for (const file of ['modules.order', 'modules.builtin', 'modules.builtin.modinfo']) {
      await cp(join(modulesDir, file), join(root, 'lib/modules', kver, file));
    }
    await execa(depmod as string, ['-a', '-b', root, kver]);
    for (const name of ['modules.dep.bin', 'modules.alias.bin', 'modules.symbols.bin', 'modules.builtin.bin']) {
      const data = await readFile(join(root, 'lib/modules', kver, name));
      expect(writeIndex(readIndex(data, name)).equals(data)).toBe(true);
    }
  });
});
