import type { Flavour } from '../config/flavour.js';
import { type Era, MERGE_ORDER } from '../overlay/era.js';
import type { BootFiles, TcMirror } from '../tce/mirror.js';
import type { Input } from './fetcher.js';

export const MANIFEST_NAME = 'bundle.json';
export const MANIFEST_FORMAT = 1;

/** A file of the bundle as the bundle stage wrote it; `url`: the download it is a copy of. */
export interface FileRecord {
  readonly size: number;
  readonly sha256: string;
  readonly url?: string;
}

/** bundle.json: what the ISO stage needs to know, and every input with its checksum. */
export interface BundleManifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly tool: string;
  readonly flavour: Flavour;
  /** The source tree's layout: decides MCollective, the gem layout and the merge order. */
  readonly era: Era;
  /** The ISO's VERSION when none is given to the ISO stage (git describe of the source tree). */
  readonly version?: string;
  readonly tinycore: {
    readonly version: string;
    readonly arch: string;
    readonly kernelVersion: string;
    readonly iso: string;
    readonly kernel: BootFiles['kernel'];
    readonly initrd: BootFiles['initrd'];
  };
  /** Tarballs the ISO stage merges into the initramfs, in merge order (later wins). */
  readonly dependencies: readonly string[];
  readonly extensions: {
    readonly onboot: readonly string[];
    readonly builtin: readonly string[];
    readonly mirror: readonly string[];
  };
  readonly gems: readonly { readonly name: string; readonly version: string }[];
  readonly inputs: readonly Input[];
  /**
   * Every other file of the bundle by path; the ISO stage checks those it
   * reads before using them. Bundles from before this record lack it.
   */
  readonly files?: Readonly<Record<string, FileRecord>>;
}

/** The dependencies present, in the era's merge order. */
export function mergeOrder(era: Era, present: readonly string[]): string[] {
  return MERGE_ORDER[era].filter((name) => present.includes(name)).map((name) => `dependencies/${name}`);
}

export function manifestFor(
  parts: Omit<BundleManifest, 'format' | 'tinycore'> & {
    readonly mirror: TcMirror;
    readonly kernelVersion: string;
    readonly iso: string;
  },
): BundleManifest {
  const { mirror, kernelVersion, iso, ...rest } = parts;
  return {
    format: MANIFEST_FORMAT,
    ...rest,
    tinycore: {
      version: mirror.tcVersion,
      arch: mirror.arch,
      kernelVersion,
      iso,
      kernel: mirror.boot.kernel,
      initrd: mirror.boot.initrd,
    },
  };
}
