import { existsSync, type Stats } from 'node:fs';
import { mkdtemp, open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { extractTar } from '../archive/tar-extract.js';
import { type BundleManifest, MANIFEST_FORMAT, MANIFEST_NAME } from '../bundle/manifest.js';
import { isFlavour } from '../config/flavour.js';
import { printable, quoted } from '../config/quote.js';
import { errorText, isSystemError } from '../errno.js';
import { InputError } from '../errors.js';
import { bootFiles } from '../tce/mirror.js';

/** An unpacked bundle: where it is and what its bundle.json says. */
export interface OpenedBundle {
  readonly dir: string;
  readonly manifest: BundleManifest;
}

/** bundle.json's content as the ISO stage relies on it; an InputError prefixed with `file` when it falls short. */
export function checkBundleManifest(manifest: unknown, file: string): BundleManifest {
  const m = manifest as Partial<BundleManifest> | null;
  if (m === null || typeof m !== 'object') throw new InputError(`${file}: not a bundle manifest`);
  if (m.format !== MANIFEST_FORMAT) {
    throw new InputError(
      `${file}: bundle format ${quoted(String(m.format))} is not supported (this mkbundle reads ${MANIFEST_FORMAT})`,
    );
  }
  if (typeof m.flavour !== 'string' || !isFlavour(m.flavour)) throw new InputError(`${file}: unknown flavour`);
  if (m.version !== undefined && typeof m.version !== 'string') {
    throw new InputError(`${file}: version is not a string`);
  }
  const t = m.tinycore;
  if (
    !t ||
    typeof t.iso !== 'string' ||
    t.iso.includes('/') ||
    !printable(t.iso) ||
    typeof t.kernelVersion !== 'string' ||
    !printable(t.kernelVersion) ||
    (t.arch !== 'x86' && t.arch !== 'x86_64')
  ) {
    throw new InputError(`${file}: the tinycore section is incomplete`);
  }
  const boot = bootFiles(t.arch);
  if (t.kernel !== boot.kernel || t.initrd !== boot.initrd) {
    throw new InputError(`${file}: expected ${boot.kernel} and ${boot.initrd} for ${t.arch}`);
  }
  if (!Array.isArray(m.dependencies)) throw new InputError(`${file}: bad dependencies list`);
  // Dependency names label every message about their archives: nothing unprintable in them.
  const bad = m.dependencies.find((d) => typeof d !== 'string' || d.includes('..') || !printable(d));
  if (bad !== undefined) throw new InputError(`${file}: bad dependency ${quoted(String(bad))}`);
  return m as BundleManifest;
}

/** Whether `file` starts as a gzip stream or a tar archive does, which any bundle tarball must. */
async function looksLikeTarball(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(512), 0, 512, 0);
    const head = buffer.subarray(0, bytesRead);
    return (head[0] === 0x1f && head[1] === 0x8b) || head.subarray(257, 262).toString('latin1') === 'ustar';
  } finally {
    await handle.close();
  }
}

/**
 * A bundle .tar.gz is unpacked (safely, rootless) into `scratch`; a
 * directory is taken as an unpacked bundle.
 */
export async function openBundle(bundle: string, scratch: string): Promise<OpenedBundle> {
  let info: Stats;
  try {
    info = await stat(bundle);
  } catch {
    throw new InputError(`${bundle}: no such bundle`);
  }
  let dir = bundle;
  if (!info.isDirectory()) {
    if (!(await looksLikeTarball(bundle))) {
      throw new InputError(`${bundle}: not a mkbundle bundle (neither a gzip stream nor a tar archive)`);
    }
    dir = await mkdtemp(join(scratch, 'bundle-'));
    try {
      await extractTar(bundle, dir, { name: bundle });
    } catch (error) {
      // extractTar names the entry; a full or read-only scratch is about where it was unpacking.
      const cause = error instanceof InputError ? error.cause : undefined;
      if (!isSystemError(cause)) throw error;
      throw new InputError(`cannot unpack ${bundle} into ${dir}: ${errorText(cause)}`, { cause: error });
    }
  }
  const file = join(dir, MANIFEST_NAME);
  if (!existsSync(file)) throw new InputError(`${bundle}: not a mkbundle bundle (no ${MANIFEST_NAME})`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new InputError(`${file}: not valid JSON`, { cause: error });
  }
  const manifest = checkBundleManifest(parsed, `${bundle}: ${MANIFEST_NAME}`);
  for (const part of [manifest.tinycore.iso, ...manifest.dependencies]) {
    if (!existsSync(join(dir, part))) throw new InputError(`${bundle}: ${quoted(part)} is missing`);
  }
  return { dir, manifest };
}
