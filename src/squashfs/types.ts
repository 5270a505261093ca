/** Block compressors a squashfs 4 superblock can name. */
export type Compressor = 'gzip' | 'lzma' | 'lzo' | 'xz' | 'lz4' | 'zstd';

export type EntryKind = 'file' | 'dir' | 'symlink' | 'chardev' | 'blockdev' | 'fifo' | 'socket';

export interface Superblock {
  compressor: Compressor;
  blockSize: number;
  inodeCount: number;
  /** Image creation time, epoch seconds. */
  mtime: number;
  bytesUsed: number;
  fragmentCount: number;
}

export interface SquashfsEntry {
  /** Relative to the image root, no leading slash; the root itself is ''. */
  path: string;
  kind: EntryKind;
  /** Permission bits including setuid/setgid/sticky (masked with 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  /** Epoch seconds. */
  mtime: number;
  /** Bytes for files, target length for symlinks, 0 for everything else. */
  size: number;
  /** Symlinks only. */
  target?: string;
  /** Character and block devices only. */
  rdev?: { major: number; minor: number };
  /** Inode number; hard links share it. */
  inode: number;
  nlink: number;
}

export interface ListOptions {
  /** Descend into subdirectories (default true); false lists one level. */
  recursive?: boolean;
}

export interface ExtractOptions {
  /** Image paths (files or whole directories) to extract; default everything. */
  paths?: string[];
  /** Create device nodes, fifos and sockets instead of refusing the image. */
  allowDevices?: boolean;
  /** Writer threads; default min(cores, 4). */
  threads?: number;
}

export interface ExtractResult {
  files: number;
  dirs: number;
  symlinks: number;
  hardlinks: number;
  /** Device nodes, fifos and sockets. */
  devices: number;
  /** Bytes of regular file content written (hard links not counted twice). */
  bytes: number;
}
