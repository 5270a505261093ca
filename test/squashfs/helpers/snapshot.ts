import { createHash } from 'node:crypto';
import { constants, lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/** What an extracted entry looks like on disk. */
export interface Snap {
  kind: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  target?: string;
  rdev?: number;
  sha256?: string;
  ino: number;
}

function kindOf(mode: number): string {
  const kinds: [number, string][] = [
    [constants.S_IFDIR, 'dir'],
    [constants.S_IFLNK, 'symlink'],
    [constants.S_IFREG, 'file'],
    [constants.S_IFIFO, 'fifo'],
    [constants.S_IFCHR, 'chardev'],
    [constants.S_IFBLK, 'blockdev'],
    [constants.S_IFSOCK, 'socket'],
  ];
  return kinds.find(([bits]) => (mode & constants.S_IFMT) === bits)?.[1] ?? 'unknown';
}

/** Everything below `root` (not `root` itself), keyed by relative path. */
export async function snapshot(root: string): Promise<Map<string, Snap>> {
  const out = new Map<string, Snap>();
  const visit = async (rel: string): Promise<void> => {
    for (const name of await readdir(rel === '' ? root : join(root, rel))) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const abs = join(root, path);
      const st = await lstat(abs);
      const kind = kindOf(st.mode);
      const snap: Snap = {
        kind,
        mode: st.mode & 0o7777,
        uid: st.uid,
        gid: st.gid,
        size: kind === 'file' || kind === 'symlink' ? st.size : 0,
        mtime: Math.floor(st.mtimeMs / 1000),
        ino: st.ino,
      };
      if (kind === 'file')
        snap.sha256 = createHash('sha256')
          .update(await readFile(abs))
          .digest('hex');
      if (kind === 'symlink') snap.target = await readlink(abs);
      if (kind === 'chardev' || kind === 'blockdev') snap.rdev = st.rdev;
      out.set(path, snap);
      if (kind === 'dir') await visit(path);
    }
  };
  await visit('');
  return out;
}

/** Sets of paths sharing an inode, as sorted strings, for comparing link structure. */
function linkGroups(tree: Map<string, Snap>): string[] {
  const groups = new Map<number, string[]>();
  for (const [path, snap] of tree) {
    if (snap.kind !== 'dir') groups.set(snap.ino, [...(groups.get(snap.ino) ?? []), path]);
  }
  return [...groups.values()]
    .filter((paths) => paths.length > 1)
    .map((paths) => paths.sort().join(' = '))
    .sort();
}

/** Differences between two extracted trees, as readable lines (empty when equal). */
export function diffTrees(ours: Map<string, Snap>, theirs: Map<string, Snap>): string[] {
  const problems: string[] = [];
  for (const path of theirs.keys()) if (!ours.has(path)) problems.push(`missing ${path}`);
  for (const path of ours.keys()) if (!theirs.has(path)) problems.push(`unexpected ${path}`);
  for (const [path, want] of theirs) {
    const got = ours.get(path);
    if (!got) continue;
    for (const field of ['kind', 'mode', 'uid', 'gid', 'size', 'mtime', 'target', 'rdev', 'sha256'] as const) {
      if (got[field] !== want[field])
        problems.push(`${path}: ${field} ${String(got[field])} != ${String(want[field])}`);
    }
  }
  const [a, b] = [linkGroups(ours), linkGroups(theirs)];
  if (a.join('\n') !== b.join('\n')) problems.push(`hard links differ: ${a.join('; ')} != ${b.join('; ')}`);
  return problems;
}
