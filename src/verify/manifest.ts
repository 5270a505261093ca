import { ancestors } from '../archive/safe-path.js';
import { quoted } from '../config/quote.js';
import { MANIFEST_PATH, type ManifestRecord, type ParsedManifest } from '../initramfs/manifest.js';

export interface ManifestCheck {
  readonly problems: readonly string[];
  /** Manifest lines compared. */
  readonly compared: number;
}

const FIELDS = [
  ['type', (r: ManifestRecord) => r.kind],
  ['mode', (r: ManifestRecord) => r.mode],
  ['owner', (r: ManifestRecord) => `${r.uid}:${r.gid}`],
  ['size', (r: ManifestRecord) => r.size],
  ['sha256', (r: ManifestRecord) => r.sha256],
  ['target', (r: ManifestRecord) => r.target ?? r.device],
] as const;

/** The fields in which two records of a path differ. */
function differences(a: ManifestRecord, b: ManifestRecord): string[] {
  return FIELDS.filter(([, field]) => field(a) !== field(b)).map(([name]) => name);
}

/** The directories the ISO stage adds for the manifest after writing it: they are not in it. */
const UNLISTED = new Set(ancestors(MANIFEST_PATH));

/**
 * Whether the manifest (`label` names it) lists exactly the initramfs's
 * entries, each with its type, mode, owner, size, sha256 and target: one
 * problem per path that differs or is on one side only.
 */
export function checkManifest(
  label: string,
  manifest: ParsedManifest,
  image: readonly ManifestRecord[],
): ManifestCheck {
  const problems: string[] = [];
  if (manifest.badLines.length > 0) {
    problems.push(
      `${quoted(label)} has lines that are no manifest entry: ${manifest.badLines.slice(0, 10).join(', ')}`,
    );
  }
  const listed = new Map(manifest.records.map((r) => [r.path, r]));
  const present = new Set<string>();
  for (const record of image) {
    present.add(record.path);
    const entry = listed.get(record.path);
    if (entry === undefined) {
      if (!UNLISTED.has(record.path)) problems.push(`${quoted(label)} does not list ${quoted(record.path)}`);
      continue;
    }
    const differ = differences(entry, record);
    if (differ.length > 0) {
      problems.push(`${quoted(label)}: ${quoted(record.path)} differs in the initramfs (${differ.join(', ')})`);
    }
  }
  for (const record of manifest.records) {
    if (!present.has(record.path)) {
      problems.push(`${quoted(label)} lists ${quoted(record.path)}, which the initramfs does not have`);
    }
  }
  return { problems, compared: manifest.records.length };
}
