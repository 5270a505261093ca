import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferEntry, completeTree, symlinkEntry, walkTree } from '../../src/overlay/entries.js';

describe('completeTree', () => {
  it('adds every missing parent as a root-owned 0755 directory and lets later entries win', () => {
    const tree = completeTree(
      [bufferEntry('usr/local/bin/x', 'one', 0o755, 5), bufferEntry('usr/local/bin/x', 'two', 0o755, 6)],
      9,
    );
    expect(tree.map((e) => [e.path, e.kind, e.mode, e.uid, e.gid, e.mtime])).toEqual([
      ['usr/local/bin/x', 'file', 0o755, 0, 0, 6],
      ['usr', 'dir', 0o755, 0, 0, 9],
      ['usr/local', 'dir', 0o755, 0, 0, 9],
      ['usr/local/bin', 'dir', 0o755, 0, 0, 9],
    ]);
  });
});

describe('walkTree', () => {
  it('turns a staged tree into entries under a prefix, with modes and symlink targets', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mk-walk-'));
    try {
      await mkdir(join(dir, 'a/b'), { recursive: true });
      await writeFile(join(dir, 'a/b/f'), 'data', { mode: 0o750 });
      await symlink('../b/f', join(dir, 'a/link'));
      const entries = await walkTree(dir, 'usr/local/');
      expect(entries.map((e) => [e.path, e.kind])).toEqual([
        ['usr/local/a', 'dir'],
        ['usr/local/a/b', 'dir'],
        ['usr/local/a/b/f', 'file'],
        ['usr/local/a/link', 'symlink'],
      ]);
      expect(entries[2]).toMatchObject({ mode: 0o750, size: 4, uid: 0, gid: 0 });
      expect(entries[3]).toMatchObject(symlinkEntry('usr/local/a/link', '../b/f', entries[3]?.mtime ?? 0));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
