/**
 * Path-by-path comparison of two overlays (or bundles), read from the
 * tarballs themselves with the project's tar reader: type, mode, size,
 * sha256, link target, uid/gid and mtime of every entry. A gzip or `.rz` member also
 * gets the sha256 of its decompressed bytes, and a `.tcz` whose bytes
 * differ is compared inside (its squashfs listing), so an allowed byte
 * difference cannot hide a content difference.
 *
 * The listing itself is mkbundle's (src/listing/).
 *
 *   const diffs = await compareArchives(upstream.overlay, ours.overlay);
 *   const { unexplained, unused } = explain(diffs, ALLOWED, 'prod');
 */

import type { Flavour } from '../../src/config/flavour.js';
import { listTar as listArchive } from '../../src/listing/entries.js';
import type { Listed, Listing } from '../../src/listing/listed.js';

export type { Listed, Listing };

export const FIELDS = ['type', 'mode', 'uid', 'gid', 'mtime', 'size', 'sha256', 'decompressed', 'target'] as const;
/** `presence`: the path is in one archive only. */
export type Field = 'presence' | (typeof FIELDS)[number];

export interface Difference {
  /** The entry's path; inside a `.tcz`, `OUTER.tcz:/INNER`. */
  readonly path: string;
  readonly field: Field;
  readonly upstream: string | undefined;
  readonly ours: string | undefined;
}

/**
 * Every entry of a tar(.gz) by path (a directory's trailing `/` dropped),
 * gzip and `.rz` members with their decompressed sha256, and the entries
 * inside each `.tcz` as `OUTER.tcz:/INNER`.
 */
export function listTar(archive: string): Promise<Map<string, Listed>> {
  return listArchive(archive, { decompressed: true, nested: (path) => path.endsWith('.tcz'), maxDepth: 1 });
}

const value = (listed: Listed, field: (typeof FIELDS)[number]) => (field === 'type' ? listed.kind : listed[field]);

const show = (field: Field, value: Listed[keyof Listed]): string | undefined =>
  value === undefined ? undefined : field === 'mode' ? (value as number).toString(8).padStart(4, '0') : String(value);

/** The container of a path inside a `.tcz` (`OUTER.tcz:/INNER` → `OUTER.tcz`), undefined for others. */
const outerOf = (path: string): string | undefined => {
  const at = path.indexOf('.tcz:/');
  return at < 0 ? undefined : path.slice(0, at + 4);
};

/**
 * The differences of two listings, sorted by path, each `.tcz` followed by
 * the differences inside it; inside a `.tcz` that only one side has,
 * nothing more is reported.
 */
export function compareListings(upstream: Listing, ours: Listing): Difference[] {
  const out: Difference[] = [];
  const paths = [...new Set([...upstream.keys(), ...ours.keys()])].sort((a, b) => {
    const [x, y] = [outerOf(a) ?? a, outerOf(b) ?? b];
    return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0;
  });
  for (const path of paths) {
    const outer = outerOf(path);
    if (outer !== undefined && !(upstream.has(outer) && ours.has(outer))) continue;
    const a = upstream.get(path);
    const b = ours.get(path);
    if (a === undefined || b === undefined) {
      out.push({ path, field: 'presence', upstream: a?.kind, ours: b?.kind });
      continue;
    }
    for (const field of FIELDS) {
      const [x, y] = [show(field, value(a, field)), show(field, value(b, field))];
      if (x !== y) out.push({ path, field, upstream: x, ours: y });
    }
  }
  return out;
}

export async function compareArchives(upstream: string, ours: string): Promise<Difference[]> {
  return compareListings(await listTar(upstream), await listTar(ours));
}

/** One intended difference: which paths, which fields, in which flavours, and why. */
export interface Allowance {
  readonly paths: RegExp;
  readonly fields: readonly Field[];
  /** Default: every flavour. */
  readonly flavours?: readonly Flavour[];
  readonly why: string;
}

export interface Explained {
  readonly unexplained: readonly Difference[];
  /** Allowances (of this flavour) that matched nothing: stale, to be removed. */
  readonly unused: readonly Allowance[];
  readonly allowed: readonly (Difference & { readonly why: string })[];
}

function matches(allowance: Allowance, diff: Difference): boolean {
  return allowance.fields.includes(diff.field) && allowance.paths.test(diff.path);
}

export function explain(diffs: readonly Difference[], allowances: readonly Allowance[], flavour: Flavour): Explained {
  const active = allowances.filter((a) => a.flavours === undefined || a.flavours.includes(flavour));
  const used = new Set<Allowance>();
  const unexplained: Difference[] = [];
  const allowed: (Difference & { why: string })[] = [];
  for (const diff of diffs) {
    const allowance = active.find((a) => matches(a, diff));
    if (allowance === undefined) unexplained.push(diff);
    else {
      used.add(allowance);
      allowed.push({ ...diff, why: allowance.why });
    }
  }
  return { unexplained, unused: active.filter((a) => !used.has(a)), allowed };
}

/** One line per difference: `path  field  upstream → ours`. */
export function formatDifferences(diffs: readonly Difference[]): string {
  return diffs.map((d) => `${d.path}  ${d.field}  ${d.upstream ?? '(none)'} → ${d.ours ?? '(none)'}`).join('\n');
}
