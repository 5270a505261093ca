/**
 * Path-by-path comparison of two overlays (or bundles), read from the
 * tarballs themselves with the project's tar reader: type, mode, size,
 * sha256, link target, uid/gid and mtime of every entry. A gzip or `.rz` member also
 * gets the sha256 of its decompressed bytes, and a `.tcz` whose bytes
 * differ is compared inside (its squashfs listing), so an allowed byte
 * difference cannot hide a content difference.
 *
 *   const diffs = await compareArchives(upstream.overlay, ours.overlay);
 *   const { unexplained, unused } = explain(diffs, ALLOWED, 'prod');
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, inflateSync } from 'node:zlib';
import type { EntryKind } from '../../src/archive/entry.js';
import { readTar } from '../../src/archive/tar-read.js';
import type { Flavour } from '../../src/config/flavour.js';
import { SquashfsImage } from '../../src/squashfs/index.js';

export interface Listed {
  readonly type: EntryKind;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtime: number;
  readonly size?: number;
  readonly sha256?: string;
  /** sha256 of the decompressed bytes of a gzip file or a zlib-deflated `.rz` (quick gemspecs). */
  readonly decompressed?: string;
  readonly target?: string;
  /** A `.tcz` file's body, kept to compare inside when the bytes differ. */
  readonly tcz?: Buffer;
}

export type Listing = ReadonlyMap<string, Listed>;

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

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

function fileFacts(path: string, body: Buffer): Pick<Listed, 'size' | 'sha256' | 'decompressed' | 'tcz'> {
  const gzip = body.length > 2 && body[0] === 0x1f && body[1] === 0x8b;
  const inflated = gzip ? gunzipSync(body) : path.endsWith('.rz') ? inflateSync(body) : undefined;
  return {
    size: body.length,
    sha256: sha256(body),
    ...(inflated ? { decompressed: sha256(inflated) } : {}),
    ...(path.endsWith('.tcz') ? { tcz: body } : {}),
  };
}

/** Every entry of a tar(.gz) by path (a directory's trailing `/` dropped). */
export async function listTar(archive: string): Promise<Map<string, Listed>> {
  const out = new Map<string, Listed>();
  for await (const entry of readTar(archive, { name: archive })) {
    const common = { type: entry.kind, mode: entry.mode, uid: entry.uid, gid: entry.gid, mtime: entry.mtime };
    if (entry.kind === 'file' && entry.data.from === 'stream') {
      const chunks: Buffer[] = [];
      for await (const chunk of entry.data.open()) chunks.push(chunk as Buffer);
      out.set(entry.path, { ...common, ...fileFacts(entry.path, Buffer.concat(chunks)) });
    } else if (entry.kind === 'symlink' || entry.kind === 'hardlink') {
      out.set(entry.path, { ...common, target: entry.target });
    } else {
      out.set(entry.path, common);
    }
  }
  return out;
}

/** Every entry of a squashfs image (the root itself left out), as listTar lists a tarball. */
export async function listSquashfs(image: Buffer): Promise<Map<string, Listed>> {
  const dir = await mkdtemp(join(tmpdir(), 'mk-compare-tcz-'));
  const file = join(dir, 'image.tcz');
  await writeFile(file, image);
  const opened = await SquashfsImage.open(file);
  try {
    const out = new Map<string, Listed>();
    for (const entry of await opened.list()) {
      if (entry.path === '') continue;
      const common = { type: entry.kind, mode: entry.mode, uid: entry.uid, gid: entry.gid, mtime: entry.mtime };
      if (entry.kind === 'file') {
        out.set(entry.path, { ...common, ...fileFacts(entry.path, await opened.readFile(entry.path)) });
      } else if (entry.kind === 'symlink') {
        out.set(entry.path, { ...common, target: entry.target ?? '' });
      } else {
        out.set(entry.path, common);
      }
    }
    return out;
  } finally {
    await opened.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const show = (field: Field, value: Listed[keyof Listed]): string | undefined =>
  value === undefined ? undefined : field === 'mode' ? (value as number).toString(8).padStart(4, '0') : String(value);

/** The differences of two listings, sorted by path; `.tcz` pairs with other bytes are compared inside. */
export async function compareListings(upstream: Listing, ours: Listing, prefix = ''): Promise<Difference[]> {
  const out: Difference[] = [];
  const paths = [...new Set([...upstream.keys(), ...ours.keys()])].sort();
  for (const path of paths) {
    const a = upstream.get(path);
    const b = ours.get(path);
    const at = `${prefix}${path}`;
    if (a === undefined || b === undefined) {
      out.push({ path: at, field: 'presence', upstream: a?.type, ours: b?.type });
      continue;
    }
    for (const field of FIELDS) {
      const [x, y] = [show(field, a[field]), show(field, b[field])];
      if (x !== y) out.push({ path: at, field, upstream: x, ours: y });
    }
    if (a.tcz && b.tcz && a.sha256 !== b.sha256) {
      out.push(...(await compareListings(await listSquashfs(a.tcz), await listSquashfs(b.tcz), `${at}:/`)));
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
