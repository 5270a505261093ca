import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';
import type { ArchiveSource } from '../archive/source.js';
import { readGemSpec } from './gemspec/gem-file.js';
import { dumpSpecification, type IndexedSpec, IvarOrder, RUBY_PLATFORM } from './gemspec/specification.js';
import { RubyString, RubyUserMarshal, type RubyValue } from './marshal/values.js';
import { dumpMarshal } from './marshal/write.js';
import { rubySort } from './ruby-sort.js';
import { compareVersions } from './version.js';

/**
 * The legacy (Marshal 4.8) index of a gem mirror, as `gem generate_index -d
 * DIR` of RubyGems 3.3 (Debian's ruby 3.1) writes it for `DIR/gems/*.gem`,
 * without Ruby: `specs.4.8`, `latest_specs.4.8`, `prerelease_specs.4.8`
 * (each also gzipped) and `quick/Marshal.4.8/NAME-VERSION[-PLATFORM].gemspec.rz`.
 * The Marshal data is byte for byte Ruby's; the compression is zlib's at the
 * same level, with no name and mtime 0 in the gzip headers.
 *
 * Unlike generate_index, which warns and leaves out a gem it cannot read, a
 * gem that does not load is an error naming it.
 */

export interface GemFile {
  /** The file name under `gems/` (it orders the gems, and errors name it). */
  readonly name: string;
  readonly source: ArchiveSource | Uint8Array;
}

export const QUICK_DIR = 'quick/Marshal.4.8';

interface Loaded extends IndexedSpec {
  /** `spec.original_name`, the quick file's name. */
  readonly originalName: string;
}

/** Relative path → bytes, sorted by path. */
export async function buildLegacyIndex(gems: readonly GemFile[]): Promise<Map<string, Buffer>> {
  const order = new IvarOrder();
  const loaded: Loaded[] = [];
  // generate_index loads every gem (in glob order) before dumping any; ivar order depends on it.
  for (const gem of [...gems].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)))) {
    const indexed = await readGemSpec(gem.source, gem.name);
    order.register(indexed.fields);
    loaded.push({ ...indexed, originalName: originalName(indexed) });
  }

  const specs = rubySort(loaded, (a, b) => {
    const names = compareNames(a, b);
    if (names !== 0) return names;
    const versions = compareVersions(b.spec.version, a.spec.version);
    // Gem::Platform.sort_priority(b.platform) alone: not a comparison, so the sort algorithm shows.
    return versions !== 0 ? versions : priority(b);
  });
  const released = specs.filter((s) => !s.spec.version.prerelease);
  const prerelease = specs.filter((s) => s.spec.version.prerelease);
  const latest = new Map<string, Loaded>();
  for (const s of [...released].reverse()) latest.set(s.spec.name, s);

  const files = new Map<string, Buffer>();
  const addIndex = (name: string, entries: readonly Loaded[]): void => {
    const data = dumpMarshal(compactSpecs(rubySort(entries, compareSortObj)));
    files.set(name, data);
    files.set(`${name}.gz`, gzip(data));
  };
  addIndex('specs.4.8', released);
  addIndex(
    'latest_specs.4.8',
    rubySort([...latest.values()], (a, b) => compareNames(a, b)),
  );
  addIndex('prerelease_specs.4.8', prerelease);
  for (const s of specs) {
    order.apply(s.fields);
    files.set(`${QUICK_DIR}/${s.originalName}.gemspec.rz`, deflateSync(dumpSpecification(s.fields)));
  }
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Writes the index of `dir/gems/*.gem` into `dir`, replacing an earlier
 * index (the quick directory is made anew, as generate_index does).
 */
export async function writeLegacyIndex(dir: string): Promise<string[]> {
  const gemsDir = join(dir, 'gems');
  const names = (await readdir(gemsDir)).filter((name) => name.endsWith('.gem'));
  const gems = await Promise.all(names.map(async (name) => ({ name, source: await readFile(join(gemsDir, name)) })));
  const files = await buildLegacyIndex(gems);
  await rm(join(dir, QUICK_DIR), { recursive: true, force: true });
  for (const [path, data] of files) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), data);
  }
  return [...files.keys()];
}

function nameBytes(s: Loaded): Buffer {
  return Buffer.from(s.spec.name);
}

function compareNames(a: Loaded, b: Loaded): number {
  return Buffer.compare(nameBytes(a), nameBytes(b));
}

const isRuby = (s: Loaded): boolean => s.fields[16] === RUBY_PLATFORM;
const priority = (s: Loaded): number => (isRuby(s) ? -1 : 1);

/** Gem::Specification#<=>: `[name, version, platform priority]`. */
function compareSortObj(a: Loaded, b: Loaded): number {
  return compareNames(a, b) || compareVersions(a.spec.version, b.spec.version) || priority(a) - priority(b);
}

function originalName({ spec, fields }: IndexedSpec): string {
  const version = rawVersion(fields[3] ?? null) || spec.version.text;
  return fields[16] === RUBY_PLATFORM ? `${spec.name}-${version}` : `${spec.name}-${version}-${spec.platform}`;
}

/**
 * `[name, version, platform]` triples, each distinct value one Ruby object
 * (the indexer's compact_specs); an empty platform is `ruby`.
 */
function compactSpecs(entries: readonly Loaded[]): RubyValue[] {
  const names = new Map<string, RubyValue>();
  const versions = new Map<string, RubyValue>();
  const platforms = new Map<string, RubyValue>();
  const first = (map: Map<string, RubyValue>, key: string, value: RubyValue): RubyValue => {
    if (!map.has(key)) map.set(key, value);
    return map.get(key) ?? value;
  };
  return entries.map((s) => {
    const [name, version, platform] = [s.fields[2] ?? null, s.fields[3] ?? null, s.fields[8] ?? null];
    const platformValue = platform instanceof RubyString && platform.text !== '' ? platform : RUBY_PLATFORM;
    return [
      first(names, s.spec.name, name),
      first(versions, rawVersion(version), version),
      first(platforms, platformValue.text, platformValue),
    ];
  });
}

/** A Gem::Version's own text (`@version`), which Version#eql? and to_s use. */
function rawVersion(version: RubyValue): string {
  const data = version instanceof RubyUserMarshal && Array.isArray(version.data) ? version.data[0] : null;
  return data instanceof RubyString ? data.text : '';
}

/** Gzip with no name and mtime 0, the OS byte fixed to Unix. */
function gzip(data: Buffer): Buffer {
  const out = gzipSync(data);
  out[9] = 3;
  return out;
}
