import { gunzipSync, inflateSync } from 'node:zlib';
import { quoted } from '../config/quote.js';
import { ArchiveError, FetchError, InputError } from '../errors.js';
import { isOverLimit } from '../fetch/failure.js';
import type { DownloadKind } from '../fetch/size-limit.js';
import { type GemSpec, loadSpecification } from './gemspec/specification.js';
import { QUICK_DIR } from './legacy-index.js';
import { loadMarshal } from './marshal/read.js';
import { RubyString, RubyUserMarshal } from './marshal/values.js';
import { compactIndexSource, type FetchBytes, type GemEntry, type GemSource } from './source.js';
import { parseVersion, type Version, versionsEqual } from './version.js';

/**
 * A gem source that has only the legacy Marshal index (what `gem
 * generate_index` of RubyGems 3.3 and older writes, and what RubyGems 1.8
 * reads): versions and platforms from `specs.4.8.gz` and
 * `prerelease_specs.4.8.gz`, runtime dependencies and the ruby/rubygems
 * requirements from each version's `quick/Marshal.4.8/*.gemspec.rz`. The
 * index has no checksums, so every entry is `unverified`.
 */

/** rubygems.org's specs.4.8 was tens of megabytes; more than this is hostile. */
const MAX_SPECS = 256 * 1024 * 1024;
const MAX_GEMSPEC = 16 * 1024 * 1024;

interface Listed {
  readonly version: Version;
  /** The original platform text, `ruby` for pure-Ruby gems. */
  readonly platform: string;
  /** The version as the index spells it, which names the quick file. */
  readonly versionText: string;
}

export function legacyIndexSource(baseUrl: string, fetchBytes: FetchBytes, specs?: Uint8Array): GemSource {
  const base = baseUrl.replace(/\/+$/, '');
  const specsUrl = `${base}/specs.4.8.gz`;
  const prereleaseUrl = `${base}/prerelease_specs.4.8.gz`;
  let listing: Promise<Map<string, Listed[]>> | undefined;
  const list = (): Promise<Map<string, Listed[]>> => {
    listing ??= (async () => {
      const [released, prerelease] = await Promise.all([
        specs ?? fetchBytes(specsUrl, 'index'),
        fetchBytes(prereleaseUrl, 'index'),
      ]);
      return groupByName([...readSpecsIndex(released, specsUrl), ...readSpecsIndex(prerelease, prereleaseUrl)]);
    })();
    return listing;
  };

  const entry = async (name: string, listed: Listed): Promise<GemEntry> => {
    const file =
      listed.platform === 'ruby' ? `${name}-${listed.versionText}` : `${name}-${listed.versionText}-${listed.platform}`;
    const url = `${base}/${QUICK_DIR}/${file}.gemspec.rz`;
    const spec = readQuickSpec(await fetchBytes(url, 'metadata'), url);
    if (spec.name !== name || !versionsEqual(spec.version, listed.version) || spec.platform !== listed.platform) {
      throw new InputError(`${url}: gemspec is for ${quoted(`${spec.name} ${spec.version.text} ${spec.platform}`)}`);
    }
    return {
      version: listed.version,
      platform: listed.platform === 'ruby' ? undefined : listed.platform,
      // Sorted by name, as a compact index lists them, so both kinds resolve alike.
      dependencies: spec.dependencies
        .filter((d) => d.type === 'runtime')
        .map((d) => ({ name: d.name, requirement: d.requirement }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      sha256: undefined,
      ruby: spec.requiredRubyVersion,
      rubygems: spec.requiredRubygemsVersion,
      unverified: true,
    };
  };

  return {
    kind: 'legacy-index',
    indexUrl: () => specsUrl,
    gemUrl: (file) => `${base}/gems/${file}`,
    entries: async (name) => Promise.all(((await list()).get(name) ?? []).map((listed) => entry(name, listed))),
  };
}

/** `specs.4.8.gz` or a sibling: `[name, Gem::Version, platform]` triples. */
export function readSpecsIndex(gzipped: Uint8Array, url: string): { name: string; listed: Listed }[] {
  const data = unpack(() => gunzipSync(gzipped, { maxOutputLength: MAX_SPECS }), url);
  const triples = loadMarshal(data, url);
  if (!Array.isArray(triples)) throw new InputError(`${url}: not a list of gems`);
  return triples.map((triple, i) => {
    const [name, version, platform] = Array.isArray(triple) ? triple : [];
    const versionText =
      version instanceof RubyUserMarshal && version.className === 'Gem::Version' && Array.isArray(version.data)
        ? version.data[0]
        : undefined;
    if (
      !Array.isArray(triple) ||
      triple.length !== 3 ||
      !(name instanceof RubyString) ||
      !(versionText instanceof RubyString) ||
      !(platform instanceof RubyString)
    ) {
      throw new InputError(`${url}: entry ${i} is not [name, Gem::Version, platform]`);
    }
    try {
      return {
        name: name.text,
        listed: {
          version: parseVersion(versionText.text),
          platform: platform.text || 'ruby',
          versionText: versionText.text,
        },
      };
    } catch (error) {
      throw new InputError(`${url}: entry ${i}: ${(error as Error).message}`, { cause: error });
    }
  });
}

/** A `quick/Marshal.4.8/*.gemspec.rz`: a zlib-deflated `Marshal.dump(spec)`. */
export function readQuickSpec(deflated: Uint8Array, url: string): GemSpec {
  return loadSpecification(
    unpack(() => inflateSync(deflated, { maxOutputLength: MAX_GEMSPEC }), url),
    url,
  );
}

function groupByName(items: readonly { name: string; listed: Listed }[]): Map<string, Listed[]> {
  const byName = new Map<string, Listed[]>();
  for (const { name, listed } of items) byName.set(name, [...(byName.get(name) ?? []), listed]);
  return byName;
}

function unpack(inflate: () => Buffer, url: string): Buffer {
  try {
    return inflate();
  } catch (error) {
    throw new ArchiveError(`${url}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Which kind of index a gem server has: a compact index when `/info/PROBE`
 * (a gem the caller is about to ask for) or `/versions` answers, else the
 * legacy index when `/specs.4.8.gz` does. Neither is a FetchError naming
 * the server and what was tried. A body over its size limit did answer, so
 * that error stops the detection, naming the limit.
 */
export async function detectGemSource(
  baseUrl: string,
  fetchBytes: FetchBytes,
  options: { readonly probe?: string } = {},
): Promise<GemSource> {
  const base = baseUrl.replace(/\/+$/, '');
  const answers = async (url: string, kind: DownloadKind): Promise<Uint8Array | undefined> => {
    try {
      return await fetchBytes(url, kind);
    } catch (error) {
      if (error instanceof FetchError && !isOverLimit(error)) return undefined;
      throw error;
    }
  };
  const text = async (url: string): Promise<string> => Buffer.from(await fetchBytes(url, 'metadata')).toString('utf8');
  const probe = options.probe ? [{ url: `${base}/info/${options.probe}`, kind: 'metadata' as const }] : [];
  const tried = [...probe, { url: `${base}/versions`, kind: 'index' as const }];
  for (const { url, kind } of tried) if (await answers(url, kind)) return compactIndexSource(base, text);
  const specs = await answers(`${base}/specs.4.8.gz`, 'index');
  if (specs) return legacyIndexSource(base, fetchBytes, specs);
  throw new FetchError(
    `${base}: no gem index: neither ${tried.map(({ url }) => url).join(' nor ')} (compact index) nor ${base}/specs.4.8.gz (legacy index) answered`,
  );
}
