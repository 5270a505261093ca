import { UsageError } from '../errors.js';
import { inspectBundle } from './bundle.js';
import { detect, notInspectable, unpackedBundle } from './detect.js';
import { fileFacts } from './file.js';
import { readInitramfs } from './initramfs.js';
import { inspectIso } from './iso.js';
import { inspectTcz } from './tcz.js';
import type { InspectOptions, InspectReport } from './types.js';

export { formatInspect } from './format.js';
export type * from './types.js';

/** The tree levels shown when none are asked for. */
export const DEFAULT_DEPTH = 2;

/**
 * What the file at `path` is and holds, told by its content: a mkbundle
 * bundle, an ISO, an initramfs (core.gz) or a Tiny Core extension (.tcz).
 * Plain data, ready for JSON. Anything else is an InputError.
 */
export async function inspect(path: string, options: InspectOptions = {}): Promise<InspectReport> {
  const depth = options.depth ?? DEFAULT_DEPTH;
  if (!Number.isSafeInteger(depth) || depth < 0)
    throw new UsageError(`--depth must be a whole number ≥ 0, not ${depth}`);
  switch (await detect(path)) {
    case 'bundle':
      return inspectBundle(path, depth);
    case 'iso':
      return inspectIso(path, depth);
    case 'tcz':
      return inspectTcz(path, depth);
    case 'initramfs': {
      const { facts, tree } = await readInitramfs(path, path, depth);
      return { kind: 'initramfs', path, ...(await fileFacts(path)), ...facts, depth, tree };
    }
    case 'bundle-dir':
      throw unpackedBundle(path);
    default:
      throw notInspectable(path);
  }
}
