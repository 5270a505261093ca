import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import type { ArchiveSource } from '../../archive/source.js';
import { readTar } from '../../archive/tar-read.js';
import { ArchiveError, InputError } from '../../errors.js';
import { loadSpecificationYaml } from './psych.js';
import { type IndexedSpec, specFromYaml } from './specification.js';

/** A gemspec is text; anything this large (compressed or not) is hostile. */
const MAX_METADATA = 16 * 1024 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The gemspec YAML in a `.gem` (a plain tar whose `metadata.gz` is the
 * gzipped YAML). `name` is how errors name the gem.
 */
export async function readGemMetadata(gem: ArchiveSource | Uint8Array, name: string): Promise<string> {
  const source = gem instanceof Uint8Array ? Readable.from([Buffer.from(gem)]) : gem;
  let compressed: Buffer | undefined;
  for await (const entry of readTar(source, { name })) {
    if (entry.path !== 'metadata.gz' || entry.kind !== 'file' || entry.data.from !== 'stream') continue;
    if (entry.size > MAX_METADATA) throw new ArchiveError(`${name}: metadata.gz is ${entry.size} bytes`);
    const chunks: Buffer[] = [];
    for await (const chunk of entry.data.open()) chunks.push(chunk as Buffer);
    compressed = Buffer.concat(chunks);
  }
  if (compressed === undefined) throw new ArchiveError(`${name}: no metadata.gz (not a RubyGems package)`);
  let yaml: Buffer;
  try {
    yaml = gunzipSync(compressed, { maxOutputLength: MAX_METADATA });
  } catch (error) {
    throw new ArchiveError(`${name}: metadata.gz: ${(error as Error).message}`, { cause: error });
  }
  try {
    return utf8.decode(yaml);
  } catch {
    throw new InputError(`${name}: metadata.gz is not UTF-8`);
  }
}

/** A `.gem`'s gemspec as `gem generate_index` indexes it. */
export async function readGemSpec(gem: ArchiveSource | Uint8Array, name: string): Promise<IndexedSpec> {
  const yaml = await readGemMetadata(gem, name);
  return specFromYaml(loadSpecificationYaml(yaml, name), name);
}
