import { cpioChunks } from '../archive/cpio-write.js';
import type { ArchiveEntry } from '../archive/entry.js';
import { ancestors } from '../archive/safe-path.js';
import { type CompressHooks, type CompressResult, compressCpio, type Encoder } from './compress.js';
import type { CoreSource } from './core-entries.js';
import { deriveIndexes } from './derived.js';
import { MANIFEST_PATH, type ManifestRecord, recordEntries } from './manifest.js';
import { mergeEntries } from './merge.js';
import { indexOverlays, type OverlayTarball } from './overlay-index.js';

export interface InitramfsOptions {
  readonly core: CoreSource;
  readonly overlays: readonly OverlayTarball[];
  readonly version: string;
  /** The Core's kernel (its lib/modules/ directory), for depmod. */
  readonly kernelVersion: string;
  /** Where the new core.gz goes (written to a temp name, then renamed). */
  readonly out: string;
  /** mtime of the files mkbundle adds (SOURCE_DATE_EPOCH or now). */
  readonly mtime: number;
  /** libdeflate 12 (max: and zopfli), in members; or advdef -z4; each never larger than gzip -9; or gzip -9. */
  readonly compression: Encoder;
  /** Told when the encoder's own step starts and how it goes. */
  readonly compressHooks?: CompressHooks;
  /** Renders the manifest that goes into the image, from every entry before it. */
  readonly manifest: (records: readonly ManifestRecord[]) => string;
}

export interface InitramfsResult {
  readonly path: string;
  readonly size: number;
  readonly compression: CompressResult;
  /** Every entry of the image but the manifest itself. */
  readonly records: readonly ManifestRecord[];
  /** What was regenerated for added modules and libraries. */
  readonly derived: readonly string[];
  readonly warnings: readonly string[];
}

const ROOT = { uid: 0, gid: 0 } as const;

/**
 * `mk_version: "VERSION"`: always quoted (a JSON string is a YAML
 * double-quoted scalar), so `1.2` stays a string and never becomes a float.
 */
export function versionYaml(version: string): string {
  return `mk_version: ${JSON.stringify(version)}\n`;
}

function file(path: string, text: string, mtime: number): ArchiveEntry {
  const data = Buffer.from(text);
  return { kind: 'file', path, mode: 0o644, mtime, size: data.length, data: { from: 'buffer', data }, ...ROOT };
}

/** Directory entries for the parents of `path` that the archive does not have yet. */
function missingParents(path: string, seen: ReadonlySet<string>, mtime: number): ArchiveEntry[] {
  return ancestors(path)
    .filter((dir) => !seen.has(dir))
    .map((dir) => ({ kind: 'dir', path: dir, mode: 0o755, mtime, ...ROOT }) as const);
}

/**
 * Builds the new initramfs: the merged entries, `tmp/mk-version.yaml`, and
 * last the manifest of everything before it; cpio newc, compressed by
 * `compressCpio` (never larger than gzip -9).
 */
export async function buildInitramfs(options: InitramfsOptions): Promise<InitramfsResult> {
  const index = await indexOverlays(options.overlays);
  const sources = { core: options.core, overlays: options.overlays, index };
  const derived = await deriveIndexes(sources, options.kernelVersion, options.mtime);
  const records: ManifestRecord[] = [];
  const seen = new Set<string>();
  const { mtime } = options;

  async function* withAdditions(): AsyncGenerator<ArchiveEntry> {
    const merged = mergeEntries(sources);
    const versionFile = file('tmp/mk-version.yaml', versionYaml(options.version), mtime);
    async function* all(): AsyncGenerator<ArchiveEntry> {
      for await (const entry of merged) {
        if (entry.path === versionFile.path || derived.drop.has(entry.path)) continue;
        seen.add(entry.path);
        yield entry;
      }
      const added = [...derived.entries, versionFile].flatMap((entry) => [
        ...missingParents(entry.path, seen, mtime),
        entry,
      ]);
      for (const entry of added) {
        seen.add(entry.path);
        yield entry;
      }
    }
    yield* recordEntries(all(), records);
    yield* missingParents(MANIFEST_PATH, seen, mtime);
    yield file(MANIFEST_PATH, options.manifest(records), mtime);
  }

  // No mtime clamping: the Core archive's entries pass through exactly, and what we add carries `mtime`.
  const cpio = cpioChunks(withAdditions(), { name: options.out });
  const compression = await compressCpio(cpio, options.out, options.compression, options.compressHooks);
  return {
    path: options.out,
    size: compression.size,
    compression,
    records,
    derived: derived.entries.map((e) => e.path),
    warnings: derived.warnings,
  };
}
