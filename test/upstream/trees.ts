/**
 * The real upstream trees (read-only, outside the project: `shared/upstream/`
 * beside the checkout, or `MKBUNDLE_UPSTREAM_DIR`), and writable copies of
 * them: a plain one, or a scratch git checkout of a Razor tree to run its
 * own scripts in.
 */
import { existsSync } from 'node:fs';
import { chmod, cp, lstat, mkdir, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { packageRoot } from '../../src/version.js';

/** The real upstream trees in shared/ beside the checkout (read-only: copy before changing anything). */
export type UpstreamTree = 'razor-microkernel-2012' | 'razor-microkernel-2013' | 'tinycore-core-scripts';

/** A Razor-Microkernel tree by its year. */
export type RazorYear = '2012' | '2013';

export const razorTree = (year: RazorYear): UpstreamTree => `razor-microkernel-${year}`;

/** `MKBUNDLE_UPSTREAM_DIR`, else the first `shared/upstream` beside the checkout or a folder above it (worktrees). */
function upstreamRoot(): string {
  const override = process.env.MKBUNDLE_UPSTREAM_DIR;
  if (override) return override;
  for (let at = packageRoot(); at !== dirname(at); at = dirname(at)) {
    const candidate = join(dirname(at), 'shared', 'upstream');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`no shared/upstream beside ${packageRoot()} or above: set MKBUNDLE_UPSTREAM_DIR`);
}

export function upstreamDir(tree: UpstreamTree): string {
  return join(upstreamRoot(), tree);
}

/** A writable copy of an upstream tree in a new temp dir. */
export async function copyUpstreamTree(tree: UpstreamTree): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), `mk-${tree}-`)), tree);
  await cp(upstreamDir(tree), dir, { recursive: true });
  return dir;
}

/** The tag a scratch checkout gets, so the 2013 script's `git describe --tags` has one. */
export const SCRATCH_TAG = 'v0.0.0-mkworld';

/**
 * Copies a Razor tree to `dest` with git-checkout modes (0644, 0755 for
 * executables, directories 0755: the shared copy is read-only, a clone is
 * not) and makes it a git repository with one commit tagged SCRATCH_TAG.
 */
export async function scratchCheckout(year: RazorYear, dest: string): Promise<string> {
  await mkdir(dirname(dest), { recursive: true });
  await cp(upstreamDir(razorTree(year)), dest, { recursive: true });
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
  await git(['commit', '-q', '-m', `razor-microkernel-${year} (mkbundle scratch copy)`]);
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
