import {
  chmod,
  constants,
  link,
  lstat,
  lutimes,
  mkdir,
  readdir,
  readFile,
  readlink,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import type { EntryKind, SquashfsEntry } from '../../../src/squashfs/index.js';
import { mixedContent, pseudoRandom } from './bytes.js';
import { run } from './run.js';

/** What list() should report for one path, plus the content of files. */
export interface Expected {
  kind: EntryKind;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  size: number;
  target?: string;
  rdev?: { major: number; minor: number };
  content?: Buffer;
  /** Paths with the same group are hard links of one inode. */
  group: string;
  nlink: number;
}

export type Model = Map<string, Expected>;

type Spec =
  | { path: string; kind: 'dir'; mode: number }
  | { path: string; kind: 'file'; mode: number; content: Buffer }
  | { path: string; kind: 'symlink'; target: string }
  | { path: string; kind: 'hardlink'; to: string }
  | { path: string; kind: 'fifo'; mode: number };

/** Bytes of the file that spans many 4 KiB blocks. */
export const BIG_SIZE = 300 * 1024 + 123;

function specs(): Spec[] {
  const list: Spec[] = [
    { path: 'bin', kind: 'dir', mode: 0o755 },
    { path: 'bin/busybox', kind: 'file', mode: 0o755, content: mixedContent(40 * 1024 + 7, 1) },
    { path: 'bin/su', kind: 'file', mode: 0o4755, content: pseudoRandom(1500, 2) },
    { path: 'bin/sg', kind: 'file', mode: 0o2755, content: pseudoRandom(900, 3) },
    { path: 'bin/sh', kind: 'symlink', target: 'busybox' },
    { path: 'usr', kind: 'dir', mode: 0o755 },
    { path: 'usr/local', kind: 'dir', mode: 0o755 },
    { path: 'usr/local/sbin', kind: 'dir', mode: 0o755 },
    { path: 'usr/local/sbin/sfdisk', kind: 'file', mode: 0o755, content: pseudoRandom(BIG_SIZE, 4) },
    { path: 'usr/local/bin', kind: 'dir', mode: 0o755 },
    { path: 'usr/local/bin/lscpu', kind: 'file', mode: 0o755, content: mixedContent(5000, 5) },
    { path: 'usr/local/bin/lscpu-link', kind: 'hardlink', to: 'usr/local/bin/lscpu' },
    { path: 'usr/local/lib', kind: 'dir', mode: 0o755 },
    { path: 'usr/local/lib/libfoo.so.1.2.3', kind: 'file', mode: 0o644, content: pseudoRandom(3 * 4096, 6) },
    { path: 'usr/local/lib/libfoo.so.1', kind: 'symlink', target: 'libfoo.so.1.2.3' },
    { path: 'usr/local/lib/libfoo.so', kind: 'symlink', target: '/usr/local/lib/libfoo.so.1' },
    { path: 'usr/local/share', kind: 'dir', mode: 0o755 },
    { path: 'usr/local/share/doc', kind: 'dir', mode: 0o755 },
    { path: 'usr/local/share/sfdisk-again', kind: 'hardlink', to: 'usr/local/sbin/sfdisk' },
    { path: 'etc', kind: 'dir', mode: 0o755 },
    { path: 'etc/empty', kind: 'file', mode: 0o644, content: Buffer.alloc(0) },
    { path: 'etc/motd', kind: 'file', mode: 0o644, content: Buffer.from('Welcome to the microkernel\n') },
    {
      path: 'etc/sparse.bin',
      kind: 'file',
      mode: 0o600,
      content: Buffer.concat([pseudoRandom(4096, 7), Buffer.alloc(3 * 4096), pseudoRandom(100, 8)]),
    },
    { path: 'etc/zeros.bin', kind: 'file', mode: 0o644, content: Buffer.alloc(2 * 4096) },
    { path: 'tmp', kind: 'dir', mode: 0o1777 },
    { path: 'var', kind: 'dir', mode: 0o755 },
    { path: 'var/empty', kind: 'dir', mode: 0o700 },
    { path: 'a', kind: 'dir', mode: 0o755 },
    { path: 'a/b', kind: 'dir', mode: 0o750 },
    { path: 'a/b/c', kind: 'dir', mode: 0o755 },
    { path: 'a/b/c/d', kind: 'dir', mode: 0o755 },
    { path: 'a/b/c/d/deep.txt', kind: 'file', mode: 0o444, content: Buffer.from('deep\n') },
    { path: 'share', kind: 'dir', mode: 0o755 },
    { path: 'share/with space.txt', kind: 'file', mode: 0o644, content: Buffer.from('spaced\n') },
    { path: 'share/ünïcødé.txt', kind: 'file', mode: 0o644, content: Buffer.from('unicode\n') },
    { path: 'dev', kind: 'dir', mode: 0o755 },
    { path: 'dev/fifo0', kind: 'fifo', mode: 0o620 },
  ];
  for (let i = 0; i < 30; i++) {
    const name = `usr/local/share/doc/note-${String(i).padStart(2, '0')}`;
    list.push({ path: name, kind: 'file', mode: 0o644, content: pseudoRandom((i * 397) % 3000, 100 + i) });
  }
  return list;
}

/** Entries mksquashfs adds from pseudo definitions (no root needed). */
export const PSEUDO_DEVICES: {
  path: string;
  kind: 'chardev' | 'blockdev' | 'socket';
  mode: number;
  uid: number;
  gid: number;
  rdev?: { major: number; minor: number };
}[] = [
  { path: 'dev/null0', kind: 'chardev', mode: 0o666, uid: 0, gid: 0, rdev: { major: 1, minor: 3 } },
  { path: 'dev/sda1', kind: 'blockdev', mode: 0o660, uid: 0, gid: 6, rdev: { major: 8, minor: 1 } },
  { path: 'dev/sock0', kind: 'socket', mode: 0o600, uid: 5, gid: 6 },
];

/** Ownership mksquashfs applies through `m` pseudo definitions. */
export const PSEUDO_OWNERS: { path: string; mode: number; uid: number; gid: number }[] = [
  { path: 'usr/local/bin/lscpu', mode: 0o755, uid: 1001, gid: 50 },
  { path: 'bin/su', mode: 0o4755, uid: 0, gid: 0 },
  { path: 'usr/local/share/doc', mode: 0o755, uid: 1001, gid: 50 },
];

/** Time given to pseudo devices and to the source tree's entries. */
export const BASE_MTIME = 1_600_000_000;

async function mkfifo(path: string, mode: number): Promise<void> {
  await run('mkfifo', ['-m', mode.toString(8), path]);
}

/** Writes the source tree under `root` (which must not exist yet). */
export async function buildSourceTree(root: string): Promise<void> {
  const all = specs();
  await mkdir(root);
  for (const spec of all) {
    const path = join(root, spec.path);
    switch (spec.kind) {
      case 'dir':
        await mkdir(path);
        break;
      case 'file':
        await writeFile(path, spec.content);
        break;
      case 'symlink':
        await symlink(spec.target, path);
        break;
      case 'hardlink':
        await link(join(root, spec.to), path);
        break;
      case 'fifo':
        await mkfifo(path, spec.mode);
        break;
    }
  }
  // Modes after content (a 0444 file or 0750 dir must still be writable while filling).
  for (const spec of all) {
    if (spec.kind === 'dir' || spec.kind === 'file' || spec.kind === 'fifo')
      await chmod(join(root, spec.path), spec.mode);
  }
  // Deepest first, so setting a child's time never disturbs its parent's.
  const byDepth = [...all].sort((a, b) => b.path.split('/').length - a.path.split('/').length);
  let tick = 0;
  for (const spec of byDepth) {
    if (spec.kind === 'hardlink') continue;
    const time = BASE_MTIME + 1000 + tick++ * 17;
    if (spec.kind === 'symlink') await lutimes(join(root, spec.path), time, time);
    else await utimes(join(root, spec.path), time, time);
  }
  await utimes(root, BASE_MTIME + 5, BASE_MTIME + 5);
}

function kindOf(mode: number): EntryKind {
  switch (mode & constants.S_IFMT) {
    case constants.S_IFDIR:
      return 'dir';
    case constants.S_IFLNK:
      return 'symlink';
    case constants.S_IFIFO:
      return 'fifo';
    case constants.S_IFCHR:
      return 'chardev';
    case constants.S_IFBLK:
      return 'blockdev';
    case constants.S_IFSOCK:
      return 'socket';
    default:
      return 'file';
  }
}

/**
 * The tree as an image of it should list it: read back from disk with lstat,
 * hard links grouped by inode, directory link counts as 2 + subdirectories.
 */
export async function modelOf(root: string): Promise<Model> {
  const model: Model = new Map();
  const visit = async (rel: string): Promise<void> => {
    const abs = rel === '' ? root : join(root, rel);
    const st = await lstat(abs);
    const kind = kindOf(st.mode);
    const entry: Expected = {
      kind,
      mode: st.mode & 0o7777,
      uid: st.uid,
      gid: st.gid,
      mtime: Math.floor(st.mtimeMs / 1000),
      size: 0,
      group: `ino:${st.ino}`,
      nlink: kind === 'dir' ? 2 : st.nlink,
    };
    if (kind === 'file') {
      entry.content = await readFile(abs);
      entry.size = entry.content.length;
    }
    if (kind === 'symlink') {
      entry.target = await readlink(abs);
      entry.size = Buffer.byteLength(entry.target);
    }
    model.set(rel, entry);
    if (kind === 'dir') {
      for (const name of (await readdir(abs)).sort()) {
        const child = rel === '' ? name : `${rel}/${name}`;
        await visit(child);
        if (model.get(child)?.kind === 'dir') entry.nlink++;
      }
    }
  };
  await visit('');
  return model;
}

/** Adds the pseudo-file devices and ownership changes mksquashfs was given. */
export function withPseudo(model: Model): Model {
  const out: Model = new Map([...model].map(([path, entry]) => [path, { ...entry }]));
  for (const device of PSEUDO_DEVICES) {
    out.set(device.path, {
      kind: device.kind,
      mode: device.mode,
      uid: device.uid,
      gid: device.gid,
      mtime: BASE_MTIME,
      size: 0,
      group: `pseudo:${device.path}`,
      nlink: 1,
      ...(device.rdev ? { rdev: device.rdev } : {}),
    });
  }
  for (const owner of PSEUDO_OWNERS) {
    const target = out.get(owner.path);
    if (!target) throw new Error(`no ${owner.path} in model`);
    // A hard-linked inode changes under every name.
    for (const entry of out.values()) {
      if (entry.group === target.group) Object.assign(entry, { mode: owner.mode, uid: owner.uid, gid: owner.gid });
    }
  }
  return out;
}

/** Arguments giving mksquashfs the pseudo entries above. */
export function pseudoArgs(): string[] {
  const args: string[] = [];
  for (const d of PSEUDO_DEVICES) {
    const mode = d.mode.toString(8).padStart(4, '0');
    if (d.kind === 'socket') args.push('-p', `${d.path} I ${BASE_MTIME} ${mode} ${d.uid} ${d.gid} s`);
    else {
      const type = d.kind === 'chardev' ? 'C' : 'B';
      args.push('-p', `${d.path} ${type} ${BASE_MTIME} ${mode} ${d.uid} ${d.gid} ${d.rdev?.major} ${d.rdev?.minor}`);
    }
  }
  for (const o of PSEUDO_OWNERS)
    args.push('-p', `${o.path} m ${o.mode.toString(8).padStart(4, '0')} ${o.uid} ${o.gid}`);
  return args;
}

/** Compares list() output with a model; returns readable differences (empty when equal). */
export function diffListing(
  entries: SquashfsEntry[],
  model: Model,
  options: { hardLinks: boolean; nlink: boolean },
): string[] {
  const problems: string[] = [];
  const byPath = new Map(entries.map((e) => [e.path, e]));
  for (const path of model.keys()) if (!byPath.has(path)) problems.push(`missing ${path}`);
  for (const path of byPath.keys()) if (!model.has(path)) problems.push(`unexpected ${path}`);
  for (const [path, want] of model) {
    const got = byPath.get(path);
    if (!got) continue;
    const fields: [string, unknown, unknown][] = [
      ['kind', got.kind, want.kind],
      ['mode', got.mode.toString(8), want.mode.toString(8)],
      ['uid', got.uid, want.uid],
      ['gid', got.gid, want.gid],
      ['mtime', got.mtime, want.mtime],
      ['size', got.size, want.size],
      ['target', got.target, want.target],
      ['rdev', JSON.stringify(got.rdev), JSON.stringify(want.rdev)],
    ];
    if (options.nlink) fields.push(['nlink', got.nlink, want.nlink]);
    for (const [name, a, b] of fields) if (a !== b) problems.push(`${path}: ${name} ${String(a)} != ${String(b)}`);
  }
  if (options.hardLinks) {
    for (const [pathA, a] of model) {
      for (const [pathB, b] of model) {
        if (pathA >= pathB) continue;
        const sameInode = byPath.get(pathA)?.inode === byPath.get(pathB)?.inode;
        if (sameInode !== (a.group === b.group)) problems.push(`${pathA} / ${pathB}: hard-link identity differs`);
      }
    }
  }
  return problems;
}
