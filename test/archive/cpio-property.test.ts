import fc from 'fast-check';
import { expect, it } from 'vitest';
import { readCpio } from '../../src/archive/cpio-read.js';
import { cpioStream } from '../../src/archive/cpio-write.js';
import type { ArchiveEntry } from '../../src/archive/entry.js';
import { type Collected, collect } from './helpers.js';

const meta = fc.record({
  mode: fc.integer({ min: 0, max: 0o7777 }),
  uid: fc.integer({ min: 0, max: 65535 }),
  gid: fc.integer({ min: 0, max: 65535 }),
  mtime: fc.integer({ min: 0, max: 0xffffffff }),
});

const node = fc.record({
  parent: fc.nat(),
  name: fc.stringMatching(/^[a-zA-Z0-9_.-]{1,12}$/).filter((s) => s !== '.' && s !== '..'),
  meta,
  kind: fc.oneof(
    fc.record({ kind: fc.constant('dir' as const) }),
    fc.record({ kind: fc.constant('file' as const), content: fc.uint8Array({ maxLength: 700 }) }),
    fc.record({ kind: fc.constant('symlink' as const), target: fc.string({ minLength: 1, maxLength: 60 }) }),
    fc.record({ kind: fc.constant('hardlink' as const), pick: fc.nat() }),
    fc.record({
      kind: fc.constantFrom('chardev' as const, 'blockdev' as const),
      major: fc.integer({ min: 0, max: 4095 }),
      minor: fc.integer({ min: 0, max: 1_048_575 }),
    }),
    fc.record({ kind: fc.constantFrom('fifo' as const, 'socket' as const) }),
  ),
});

/** Random trees: parents exist before their children, hard links point to earlier files. */
const tree = fc.array(node, { maxLength: 40 }).map((nodes) => {
  const dirs = [''];
  const files: string[] = [];
  const entries: ArchiveEntry[] = [];
  const used = new Set<string>();
  for (const { parent, name, meta: m, kind: spec } of nodes) {
    const dir = dirs[parent % dirs.length] as string;
    const path = dir === '' ? name : `${dir}/${name}`;
    if (used.has(path)) continue;
    used.add(path);
    const base = { path, ...m };
    switch (spec.kind) {
      case 'dir':
        dirs.push(path);
        entries.push({ ...base, kind: 'dir' });
        break;
      case 'file': {
        const data = Buffer.from(spec.content);
        files.push(path);
        entries.push({ ...base, kind: 'file', size: data.length, data: { from: 'buffer', data } });
        break;
      }
      case 'hardlink': {
        const target = files[spec.pick % Math.max(files.length, 1)];
        if (target === undefined) used.delete(path);
        else entries.push({ ...base, kind: 'hardlink', target });
        break;
      }
      case 'symlink':
        entries.push({ ...base, kind: 'symlink', target: spec.target });
        break;
      case 'chardev':
      case 'blockdev':
        entries.push({ ...base, kind: spec.kind, major: spec.major, minor: spec.minor });
        break;
      default:
        entries.push({ ...base, kind: spec.kind });
    }
  }
  return entries;
});

/**
 * What an entry means once unpacked: a hard link is its group's file (same
 * data and metadata; cpio writes each name with its file's mode, owner, mtime).
 */
function meaning(entries: readonly Collected[]): unknown[] {
  const byPath = new Map(entries.map((e) => [e.path, e]));
  const groupOf = (e: Collected): Collected => {
    let current = e;
    while (current.kind === 'hardlink') current = byPath.get(current.target) as Collected;
    return current;
  };
  const groups = new Map<string, string[]>();
  for (const e of entries) {
    if (e.kind !== 'file' && e.kind !== 'hardlink') continue;
    const key = groupOf(e).path;
    groups.set(key, [...(groups.get(key) ?? []), e.path]);
  }
  return entries
    .map((e) => {
      const inode = groupOf(e);
      const { nlink: _nlink, data: _data, ...rest } = inode as Collected & { data?: unknown };
      if (inode.kind !== 'file') return rest;
      const content = inode.kind === 'file' && inode.data.from === 'buffer' ? inode.data.data : inode.content;
      return {
        ...rest,
        path: e.path,
        kind: 'file',
        content: content?.toString('hex'),
        size: undefined,
        links: [...(groups.get(inode.path) ?? [])].sort(),
      };
    })
    .sort((a, b) => ((a as { path: string }).path < (b as { path: string }).path ? -1 : 1));
}

it('cpio write → read gives back the same entries (property)', async () => {
  await fc.assert(
    fc.asyncProperty(tree, async (entries) => {
      const read = await collect(readCpio(cpioStream(entries), { allowDevices: true }));
      expect(meaning(read)).toEqual(meaning(entries));
      // Order is kept, apart from hard-linked empty files (held until their last name).
      const linked = new Set(read.filter((e) => (e.nlink ?? 1) > 1 && e.kind !== 'dir').map((e) => e.path));
      const plain = (list: readonly ArchiveEntry[]) => list.map((e) => e.path).filter((p) => !linked.has(p));
      expect(plain(read)).toEqual(plain(entries));
    }),
    { numRuns: 150 },
  );
});

it('write → read → write is byte-identical (property)', async () => {
  await fc.assert(
    fc.asyncProperty(tree, async (entries) => {
      const once = await bytes(cpioStream(entries));
      const twice = await bytes(cpioStream(readCpio(cpioStream(entries), { allowDevices: true })));
      expect(twice.equals(once)).toBe(true);
    }),
    { numRuns: 100 },
  );
});

async function bytes(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
