import type { EntryKind } from './entry.js';

/** Permission bits, setuid/setgid/sticky included. */
export const PERMISSIONS = 0o7777;
const S_IFMT = 0o170000;

type NodeKind = Exclude<EntryKind, 'hardlink'>;

const TYPE_BITS: Readonly<Record<NodeKind, number>> = {
  file: 0o100000,
  dir: 0o040000,
  symlink: 0o120000,
  chardev: 0o020000,
  blockdev: 0o060000,
  fifo: 0o010000,
  socket: 0o140000,
};

/** The S_IFMT bits of a kind (a hard link is a regular file). */
export function typeBits(kind: EntryKind): number {
  return TYPE_BITS[kind === 'hardlink' ? 'file' : kind];
}

export function kindOfMode(mode: number): NodeKind | undefined {
  const type = mode & S_IFMT;
  return (Object.keys(TYPE_BITS) as NodeKind[]).find((kind) => TYPE_BITS[kind] === type);
}

/** Whether a kind is a special file that readers pass only when asked. */
export function isSpecial(kind: EntryKind): boolean {
  return kind === 'chardev' || kind === 'blockdev' || kind === 'fifo' || kind === 'socket';
}
