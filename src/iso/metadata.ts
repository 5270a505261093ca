import type { BootFiles } from '../tce/mirror.js';

/** Razor's image service reads this file at the ISO's root to check kernel and initrd. */
export const METADATA_FILE = 'iso-metadata.yaml';

export interface IsoMetadata {
  readonly isoVersion: string;
  readonly boot: BootFiles;
  /** SHA-256, lower-case hex. */
  readonly kernelHash: string;
  readonly initrdHash: string;
  readonly buildTime: Date;
}

/**
 * A YAML string scalar that reads back as exactly `text`, whatever it holds.
 * Single quotes need only `'` doubled; text with characters they cannot
 * carry (control characters, line separators, BOM) is double-quoted with
 * escapes instead.
 */
export function yamlString(text: string): string {
  if (!/[\p{Cc}\u2028\u2029\ufeff]/u.test(text)) return `'${text.replaceAll("'", "''")}'`;
  const escaped = [...text]
    .map((c) => {
      if (c === '"' || c === '\\') return `\\${c}`;
      if (!/[\p{Cc}\u2028\u2029\ufeff]/u.test(c)) return c;
      const code = c.codePointAt(0) ?? 0;
      return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
    })
    .join('');
  return `"${escaped}"`;
}

/**
 * A YAML timestamp the way Ruby's YAML.dump writes a UTC Time
 * (`2024-01-01 00:00:00.000000000 Z`): Razor calls `.to_i` on the value it
 * loads, which needs a Time, not a string.
 */
export function yamlTimestamp(time: Date): string {
  const iso = time.toISOString(); // 2024-01-01T00:00:00.000Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${iso.slice(20, 23)}000000 Z`;
}

/** The text of iso-metadata.yaml, in the shape of the original's build_iso_yaml.rb (Ruby's YAML.dump). */
export function isoMetadataYaml(meta: IsoMetadata): string {
  return [
    '---',
    `iso_version: ${yamlString(meta.isoVersion)}`,
    `kernel: ${meta.boot.kernel}`,
    `initrd: ${meta.boot.initrd}`,
    'hash_description:',
    '  type: Digest::SHA2',
    '  bitlen: 256',
    `kernel_hash: ${yamlString(meta.kernelHash)}`,
    `initrd_hash: ${yamlString(meta.initrdHash)}`,
    `iso_build_time: ${yamlTimestamp(meta.buildTime)}`,
    '',
  ].join('\n');
}
