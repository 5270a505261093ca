import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';

/** Files of an extension: path (no leading `/`) → body, optionally executable. */
export type TczFiles = Readonly<Record<string, { readonly body: string; readonly executable?: boolean }>>;

/** Writes `files` under `dir` and packs them as a `.tcz` the way Tiny Core makes them: squashfs, gzip, 4 KiB blocks. */
export async function makeTcz(dir: string, files: TczFiles, out: string): Promise<void> {
  for (const [path, { body, executable }] of Object.entries(files)) {
    const to = join(dir, path);
    await mkdir(dirname(to), { recursive: true });
    await writeFile(to, body);
    await chmod(to, executable ? 0o755 : 0o644);
  }
  await execa('gensquashfs', ['--pack-dir', dir, '-c', 'gzip', '-b', '4096', '--all-root', '--force', '--quiet', out]);
}
