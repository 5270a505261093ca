import { ROOT_PATH } from './safe-path.js';

/**
 * Archive order: byte order of path segments, so a directory comes right
 * before its contents (`a`, `a/b`, `a-b`) and the root (`.`) first.
 */
export function compareArchivePaths(a: string, b: string): number {
  if (a === b) return 0;
  if (a === ROOT_PATH) return -1;
  if (b === ROOT_PATH) return 1;
  const left = a.split('/');
  const right = b.split('/');
  for (let i = 0; i < Math.min(left.length, right.length); i += 1) {
    const order = Buffer.compare(Buffer.from(left[i] as string), Buffer.from(right[i] as string));
    if (order !== 0) return order;
  }
  return left.length - right.length;
}
