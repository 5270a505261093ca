import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BundleManifest, FileRecord } from '../bundle/manifest.js';
import { quoted } from '../config/quote.js';
import { IntegrityError } from '../errors.js';
import { sha256File } from '../hash.js';

/** Licence files the ISO carries when the bundle has them. */
const LICENCE_FILES = ['COPYING', 'LICENSE'] as const;

/** The bundle's files the ISO stage reads: the Core ISO, the dependency tarballs, COPYING and LICENSE when there. */
export function filesRead(dir: string, manifest: BundleManifest): string[] {
  return [
    manifest.tinycore.iso,
    ...manifest.dependencies,
    ...LICENCE_FILES.filter((name) => existsSync(join(dir, name))),
  ];
}

/** A SHA-256 bundle.json records for a file, as found (an edited bundle.json may hold anything), and whose. */
interface Recorded {
  readonly sha256: unknown;
  /** Empty for the file's own record, else ` for its download 'URL'`. */
  readonly of: string;
}

function recorded(manifest: BundleManifest, path: string): Recorded[] {
  const record: Partial<FileRecord> | null | undefined = manifest.files?.[path];
  if (record === undefined || record === null) return [];
  const input = Array.isArray(manifest.inputs)
    ? manifest.inputs.find((i) => record.url !== undefined && i?.url === record.url)
    : undefined;
  return [
    { sha256: record.sha256, of: '' },
    ...(input === undefined ? [] : [{ sha256: input.sha256, of: ` for its download ${quoted(String(input.url))}` }]),
  ];
}

/**
 * What is wrong with the files the ISO stage reads, against the hashes
 * bundle.json records for each (its `files` entry and, for a copy of a
 * download, that download's `inputs` entry): one message per file without
 * a record or with another hash, naming it; `bundle` names the bundle.
 */
export async function bundleFileProblems(dir: string, manifest: BundleManifest, bundle: string): Promise<string[]> {
  const problems: string[] = [];
  for (const path of filesRead(dir, manifest)) {
    const expected = recorded(manifest, path);
    if (expected.length === 0) {
      problems.push(`${bundle}: bundle.json records no sha256 for ${path} (--no-verify builds without checking)`);
      continue;
    }
    const actual = await sha256File(join(dir, path));
    const wrong = expected.find((e) => e.sha256 !== actual);
    if (wrong !== undefined) {
      const recordedHash = quoted(String(wrong.sha256));
      problems.push(`${bundle}: ${path}: sha256 is ${actual}, but bundle.json records ${recordedHash}${wrong.of}`);
    }
  }
  return problems;
}

/**
 * Checks each file the ISO stage reads against bundle.json before any of
 * them is used: the first problem bundleFileProblems finds is an
 * IntegrityError.
 */
export async function verifyBundle(dir: string, manifest: BundleManifest, bundle: string): Promise<void> {
  const [first] = await bundleFileProblems(dir, manifest, bundle);
  if (first !== undefined) throw new IntegrityError(first);
}
