import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_NAME } from '../bundle/manifest.js';
import { quoted } from '../config/quote.js';
import { errorText } from '../errno.js';
import { InputError } from '../errors.js';
import { sniffFile } from '../listing/sniff.js';

/** What mkbundle can look into: a bundle (its tarball or unpacked), an ISO, an initramfs, an extension. */
export type InputKind = 'bundle' | 'bundle-dir' | 'iso' | 'initramfs' | 'tcz';

/** What inspect and diff say of an unpacked bundle: they read the tarball. */
export function unpackedBundle(path: string): InputError {
  return new InputError(`${quoted(path)} is an unpacked bundle: give its .tar.gz`);
}

/** The one message for a file that is none of these. */
export function notInspectable(path: string): InputError {
  return new InputError(`${quoted(path)} is not a bundle, ISO, core.gz or .tcz`);
}

/**
 * What the file at `path` is, by its content (magic bytes), never its name:
 * a tar is taken for a bundle (its bundle.json is looked for when read), a
 * cpio for an initramfs; a directory holding bundle.json is an unpacked
 * bundle; undefined for anything else. A path that cannot be read is an
 * InputError.
 */
export async function detect(path: string): Promise<InputKind | undefined> {
  const info = await stat(path).catch((error: unknown) => {
    throw new InputError(`cannot read ${quoted(path)}: ${errorText(error)}`, { cause: error });
  });
  if (info.isDirectory()) {
    return existsSync(join(path, MANIFEST_NAME)) ? 'bundle-dir' : undefined;
  }
  if (!info.isFile()) return undefined;
  const sniffed = await sniffFile(path).catch((error: unknown) => {
    throw new InputError(`cannot read ${quoted(path)}: ${errorText(error)}`, { cause: error });
  });
  switch (sniffed.format) {
    case 'tar':
      return 'bundle';
    case 'cpio':
      return 'initramfs';
    case 'squashfs':
      return 'tcz';
    case 'iso':
      return 'iso';
    default:
      return undefined;
  }
}
