import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { parse } from 'yaml';
import { readCpio } from '../archive/cpio-read.js';
import { sniffCompression } from '../archive/decompress.js';
import { gunzipError } from '../archive/source.js';
import { MANIFEST_PATH, parseManifest } from '../initramfs/manifest.js';
import { readHead } from '../listing/sniff.js';
import { entryBytes } from './body.js';
import { summariseTree, type TreeInput, treeInput } from './tree.js';
import type { InitramfsFacts, ManifestFacts, TreeEntry } from './types.js';

const MK_VERSION = 'tmp/mk-version.yaml';

/** What mkbundle's manifest says of itself: its header and how many entries it lists. */
export function manifestFacts(text: string): ManifestFacts {
  const { header, records } = parseManifest(text);
  return { header, entries: records.length };
}

/** `mk_version` of `tmp/mk-version.yaml`, as a string; null when the file says none. */
function mkVersionOf(text: string): string | null {
  try {
    const value: unknown = parse(text, { schema: 'failsafe' });
    const version = (value as Record<string, unknown> | null)?.mk_version;
    return typeof version === 'string' ? version : null;
  } catch {
    return null;
  }
}

/** The gunzipped bytes of a gzip file, counted on their way; zlib's failures name the file. */
async function* gunzipped(file: string, name: string, count: { bytes: number }): AsyncGenerator<Buffer> {
  const gunzip = createGunzip();
  // Its failures reach the loop below through gunzip, which pipeline destroys with them.
  pipeline(createReadStream(file), gunzip).catch(() => {});
  try {
    for await (const chunk of gunzip) {
      count.bytes += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
  } catch (error) {
    throw gunzipError(name, error);
  } finally {
    gunzip.destroy();
  }
}

async function* counted(file: string, count: { bytes: number }): AsyncGenerator<Buffer> {
  for await (const chunk of createReadStream(file)) {
    count.bytes += (chunk as Buffer).length;
    yield chunk as Buffer;
  }
}

/**
 * A Tiny Core initramfs (newc cpio, gzipped or not), streamed once: its
 * entry count and size, the first `depth` levels of its tree, and
 * mkbundle's manifest and mk-version when it carries them.
 */
export async function readInitramfs(
  file: string,
  name: string,
  depth: number,
): Promise<{ facts: InitramfsFacts; tree: TreeEntry[] }> {
  const gzip = sniffCompression(await readHead(file, 6)) === 'gzip';
  const count = { bytes: 0 };
  const bytes = gzip ? gunzipped(file, name, count) : counted(file, count);
  const inputs: TreeInput[] = [];
  let manifest: ManifestFacts | null = null;
  let mkVersion: string | null = null;
  for await (const entry of readCpio(Readable.from(bytes, { objectMode: false }), { name, allowDevices: true })) {
    if (entry.path === '.') continue;
    inputs.push(treeInput(entry));
    if (entry.kind !== 'file') continue;
    if (entry.path === MANIFEST_PATH) {
      const text = await entryBytes(name, entry);
      if (text !== undefined) manifest = manifestFacts(text.toString('utf8'));
    } else if (entry.path === MK_VERSION) {
      const text = await entryBytes(name, entry, 4096);
      if (text !== undefined) mkVersion = mkVersionOf(text.toString('utf8'));
    }
  }
  return {
    facts: {
      compression: gzip ? 'gzip' : 'none',
      uncompressedSize: count.bytes,
      entries: inputs.length,
      manifest,
      mkVersion,
    },
    tree: summariseTree(inputs, depth),
  };
}
