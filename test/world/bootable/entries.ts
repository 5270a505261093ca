// Builders for the project's ArchiveEntry type: root-owned, dated WORLD_EPOCH unless told otherwise.
import { stat } from 'node:fs/promises';
import type {
  ArchiveEntry,
  DeviceEntry,
  DirEntry,
  FileEntry,
  HardlinkEntry,
  SpecialEntry,
  SymlinkEntry,
} from '../../../src/archive/entry.js';
import { WORLD_EPOCH } from './paths.js';

interface Owner {
  readonly uid?: number;
  readonly gid?: number;
}

const common = (path: string, mode: number, owner: Owner = {}) => ({
  path,
  mode,
  uid: owner.uid ?? 0,
  gid: owner.gid ?? 0,
  mtime: WORLD_EPOCH,
});

export const dir = (path: string, mode = 0o755, owner?: Owner): DirEntry => ({
  kind: 'dir',
  ...common(path, mode, owner),
});

export function file(path: string, body: string | Buffer, mode = 0o644, owner?: Owner): FileEntry {
  const data = typeof body === 'string' ? Buffer.from(body) : body;
  return { kind: 'file', ...common(path, mode, owner), size: data.length, data: { from: 'buffer', data } };
}

export async function fileFrom(path: string, source: string, mode = 0o644, owner?: Owner): Promise<FileEntry> {
  const { size } = await stat(source);
  return { kind: 'file', ...common(path, mode, owner), size, data: { from: 'path', path: source } };
}

export const symlink = (path: string, target: string): SymlinkEntry => ({
  kind: 'symlink',
  ...common(path, 0o777),
  target,
});

export const hardlink = (path: string, target: string, mode: number): HardlinkEntry => ({
  kind: 'hardlink',
  ...common(path, mode),
  target,
});

export const device = (
  path: string,
  kind: DeviceEntry['kind'],
  major: number,
  minor: number,
  mode: number,
  owner?: Owner,
): DeviceEntry => ({ kind, ...common(path, mode, owner), major, minor });

export type { ArchiveEntry, DeviceEntry, SpecialEntry };
