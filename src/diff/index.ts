import { quoted } from '../config/quote.js';
import { InputError } from '../errors.js';
import { detect, unpackedBundle } from '../inspect/detect.js';
import type { ListOptions } from '../listing/context.js';
import { listTar } from '../listing/entries.js';
import { listIso } from '../listing/iso.js';
import type { Listing } from '../listing/listed.js';
import { compareListings } from './compare.js';
import type { DiffReport } from './types.js';

export { formatDiff } from './format.js';
export type * from './types.js';

/** Container files diff looks into: gzip (a tar or cpio inside), squashfs. */
const CONTAINER_MAGIC = [Buffer.from([0x1f, 0x8b]), Buffer.from('hsqs')];
const OPTIONS: ListOptions = {
  nested: (_path, head) => CONTAINER_MAGIC.some((magic) => head.subarray(0, magic.length).equals(magic)),
  maxDepth: 3,
};

async function sideOf(path: string): Promise<'bundle' | 'iso'> {
  const kind = await detect(path);
  if (kind === 'bundle' || kind === 'iso') return kind;
  if (kind === 'bundle-dir') throw unpackedBundle(path);
  throw new InputError(`${quoted(path)} is not a bundle or an ISO`);
}

function list(path: string, kind: 'bundle' | 'iso'): Promise<Listing> {
  return kind === 'iso' ? listIso(path, OPTIONS) : listTar(path, OPTIONS);
}

/**
 * What differs between two bundles or two ISOs, path by path: the tarball's
 * or the ISO's tree, and inside every gzipped tar or cpio and squashfs image
 * they hold (an ISO's core.gz, a bundle's overlays, their .tcz files), as
 * `OUTER:/INNER`.
 */
export async function diff(a: string, b: string): Promise<DiffReport> {
  const [kindA, kindB] = [await sideOf(a), await sideOf(b)];
  if (kindA !== kindB) {
    const name = (kind: string) => (kind === 'iso' ? 'an ISO' : 'a bundle');
    throw new InputError(
      `${quoted(a)} is ${name(kindA)} and ${quoted(b)} ${name(kindB)}: diff compares two bundles or two ISOs`,
    );
  }
  return compareListings(await list(a, kindA), await list(b, kindB));
}
