import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/version.js';

/** The real upstream trees in shared/ beside the checkout (read-only: copy before changing anything). */
export type UpstreamTree = 'razor-microkernel-2012' | 'razor-microkernel-2013' | 'tinycore-core-scripts';

export function upstreamDir(tree: UpstreamTree): string {
  return join(packageRoot(), '..', 'shared', 'upstream', tree);
}

/** A writable copy of an upstream tree in a new temp dir. */
export async function copyUpstreamTree(tree: UpstreamTree): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), `mk-${tree}-`)), tree);
  await cp(upstreamDir(tree), dir, { recursive: true });
  return dir;
}
