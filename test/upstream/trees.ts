/**
 * The real Razor-Microkernel trees of 2012 and 2013 (read-only, outside
 * the project: `shared/upstream/` beside the checkout) copied into scratch
 * directories as a git checkout of them would look.
 */
import { existsSync } from 'node:fs';
import { chmod, cp, lstat, mkdir, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { packageRoot } from '../../src/version.js';

export type UpstreamTree = '2012' | '2013';

/** `MKBUNDLE_UPSTREAM_DIR`, else the first `shared/upstream` above the checkout. */
export function upstreamDir(): string {
  const override = process.env.MKBUNDLE_UPSTREAM_DIR;
  if (override) return override;
  for (let at = packageRoot(); at !== dirname(at); at = dirname(at)) {
    const candidate = join(dirname(at), 'shared', 'upstream');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(
    `no shared/upstream above ${packageRoot()}: set MKBUNDLE_UPSTREAM_DIR to the folder holding razor-microkernel-2012/`,
  );
}

export function treeDir(tree: UpstreamTree): string {
  return join(upstreamDir(), `razor-microkernel-${tree}`);
}

/** The tag the scratch repository gets, so the 2013 script's `git describe --tags` has one. */
export const SCRATCH_TAG = 'v0.0.0-mkworld';

/**
 * Copies `tree` to `dest` with git-checkout modes (0644, 0755 for
 * executables, directories 0755: the shared copy is read-only, a clone is
 * not) and makes it a git repository with one commit tagged SCRATCH_TAG.
 */
export async function copyTree(tree: UpstreamTree, dest: string): Promise<string> {
  await mkdir(dirname(dest), { recursive: true });
  await cp(treeDir(tree), dest, { recursive: true });
  await checkoutModes(dest);
  const git = (args: string[]) =>
    execa('git', args, {
      cwd: dest,
      env: {
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_AUTHOR_NAME: 'mkbundle test',
        GIT_AUTHOR_EMAIL: 'test@mkbundle.invalid',
        GIT_AUTHOR_DATE: '2013-10-09T00:00:00Z',
        GIT_COMMITTER_NAME: 'mkbundle test',
        GIT_COMMITTER_EMAIL: 'test@mkbundle.invalid',
        GIT_COMMITTER_DATE: '2013-10-09T00:00:00Z',
      },
    });
  await git(['init', '-q', '-b', 'master']);
  await git(['add', '-A']);
  await git(['commit', '-q', '-m', `razor-microkernel-${tree} (mkbundle scratch copy)`]);
  await git(['tag', SCRATCH_TAG]);
  return dest;
}

async function checkoutModes(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    const info = await lstat(path);
    if (info.isDirectory()) await checkoutModes(path);
    else if (info.isFile()) await chmod(path, info.mode & 0o111 ? 0o755 : 0o644);
  }
}
