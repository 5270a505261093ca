import type { EntryKind } from '../archive/entry.js';

/** One node of the first levels of a tree; a directory sums what is below it. */
export interface TreeEntry {
  readonly path: string;
  readonly type: EntryKind;
  /** A file's bytes; a directory's: the bytes of every file below it. */
  readonly size: number;
  /** Directories: how many entries are below, at any depth. */
  readonly entries?: number;
  /** Symbolic and hard links. */
  readonly target?: string;
}

/** A file inside what is inspected. */
export interface FileFact {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

/** What mkbundle's manifest (`usr/share/mkbundle/manifest`, `….iso.manifest`) says of itself. */
export interface ManifestFacts {
  readonly header: Readonly<Record<string, string>>;
  readonly entries: number;
}

/** A gzipped (or plain) newc cpio: a Tiny Core initramfs. */
export interface InitramfsFacts {
  readonly compression: 'gzip' | 'none';
  /** The cpio's own size. */
  readonly uncompressedSize: number;
  readonly entries: number;
  /** mkbundle's manifest inside, null when the archive carries none. */
  readonly manifest: ManifestFacts | null;
  /** `tmp/mk-version.yaml`'s `mk_version`, null without one. */
  readonly mkVersion: string | null;
}

interface Common {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
  /** Levels shown in `tree`. */
  readonly depth: number;
  readonly tree: readonly TreeEntry[];
}

export interface BundleReport extends Common {
  readonly kind: 'bundle';
  /** Entries of the bundle tarball. */
  readonly entries: number;
  readonly bundle: {
    readonly format: number;
    readonly tool: string;
    readonly flavour: string;
    readonly era: string | null;
    readonly version: string | null;
    readonly tinycore: {
      readonly version: string;
      readonly arch: string;
      readonly kernelVersion: string;
      readonly iso: string;
      readonly kernel: string;
      readonly initrd: string;
    };
    readonly dependencies: readonly string[];
    readonly extensions: {
      readonly onboot: readonly string[];
      readonly builtin: readonly string[];
      readonly mirror: readonly string[];
    };
    readonly gems: readonly { readonly name: string; readonly version: string }[];
    /** bundle.json's `files` record, by path. */
    readonly files: readonly (FileFact & { readonly url: string | null })[];
  };
}

export interface ElToritoImage {
  readonly platform: string;
  readonly bootable: boolean;
  readonly emulation: string;
  /** 512-byte sectors loaded. */
  readonly loadSize: number;
  readonly lba: number;
  readonly path: string | null;
}

/** The default label of isolinux.cfg: what boots. */
export interface BootLine {
  readonly label: string | null;
  readonly kernel: string | null;
  readonly initrd: string | null;
  readonly append: string | null;
}

export interface IsoReport extends Common {
  readonly kind: 'iso';
  readonly volumeId: string | null;
  readonly boot: {
    readonly catalog: string | null;
    readonly images: readonly ElToritoImage[];
    /** xorriso's summary of the system area, e.g. `MBR isohybrid cyl-align-on`. */
    readonly systemArea: string | null;
  };
  readonly isolinux: (BootLine & { readonly config: string }) | null;
  /** `iso-metadata.yaml` at the ISO's root, its scalar values as written. */
  readonly metadata: Readonly<Record<string, string>> | null;
  readonly kernel: FileFact | null;
  readonly initrd: (FileFact & InitramfsFacts) | null;
  /** The `….iso.manifest` beside the ISO. */
  readonly manifest: (ManifestFacts & { readonly path: string }) | null;
  /** Entries of the ISO's tree. */
  readonly members: number;
}

export interface InitramfsReport extends Common, InitramfsFacts {
  readonly kind: 'initramfs';
}

export interface TczReport extends Common {
  readonly kind: 'tcz';
  readonly squashfs: {
    readonly compressor: string;
    readonly blockSize: number;
    readonly inodes: number;
    readonly bytesUsed: number;
    readonly fragments: number;
    readonly mtime: number;
  };
  readonly entries: number;
}

export type InspectReport = BundleReport | IsoReport | InitramfsReport | TczReport;

export interface InspectOptions {
  /** Levels of the tree to show (default 2). */
  readonly depth?: number;
}
