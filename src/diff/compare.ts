import { containersOf, type Listed, type Listing, listingOrder } from '../listing/listed.js';
import type { Changed, DiffEntry, DiffReport } from './types.js';

const FIELDS: readonly (readonly [Changed, (l: Listed) => unknown])[] = [
  ['type', (l) => l.kind],
  ['mode', (l) => l.mode],
  ['owner', (l) => `${l.uid}:${l.gid}`],
  ['size', (l) => l.size],
  ['content', (l) => l.sha256 ?? l.device],
  ['target', (l) => l.target],
];

const entry = (path: string, listed: Listed): DiffEntry => ({ path, type: listed.kind, size: listed.size ?? 0 });

/**
 * Two listings compared path by path (mtimes left out: two builds differ
 * in them by design). Inside a container only one side has, nothing more is
 * reported: its own line says it. Pure.
 */
export function compareListings(a: Listing, b: Listing): DiffReport {
  const added: DiffEntry[] = [];
  const removed: DiffEntry[] = [];
  const changed: { path: string; what: Changed[] }[] = [];
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort(listingOrder);
  for (const path of paths) {
    if (containersOf(path).some((outer) => !(a.has(outer) && b.has(outer)))) continue;
    const [x, y] = [a.get(path), b.get(path)];
    if (x === undefined && y !== undefined) added.push(entry(path, y));
    else if (y === undefined && x !== undefined) removed.push(entry(path, x));
    else if (x !== undefined && y !== undefined) {
      const what = FIELDS.filter(([, field]) => field(x) !== field(y)).map(([name]) => name);
      if (what.length > 0) changed.push({ path, what });
    }
  }
  return { same: added.length + removed.length + changed.length === 0, added, removed, changed };
}
