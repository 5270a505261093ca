import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { removeScratchDir, scratchDir } from '../cleanup.js';
import { errorText } from '../errno.js';
import { InputError } from '../errors.js';
import { sha256File } from '../hash.js';
import { ISOLINUX_CFG } from '../iso/isolinux.js';
import { METADATA_FILE } from '../iso/metadata.js';
import { extractFromIso } from '../iso/read.js';
import { isoTree, xorrisoReport } from '../listing/iso.js';
import type { LsEntry } from '../listing/xorriso-ls.js';
import { fileFacts } from './file.js';
import { manifestFacts, readInitramfs } from './initramfs.js';
import { bootLine } from './isolinux.js';
import { summariseTree } from './tree.js';
import type { BootLine, FileFact, IsoReport } from './types.js';
import { parseBootReport } from './xorriso-report.js';

/** The boot files a Tiny Core ISO may have, x86 first. */
const DEFAULT_BOOT = [
  { kernel: 'boot/vmlinuz', initrd: 'boot/core.gz' },
  { kernel: 'boot/vmlinuz64', initrd: 'boot/corepure64.gz' },
] as const;

/** iso-metadata.yaml's top-level scalars as written, null when it is not a YAML mapping. */
export function metadataOf(text: string): Record<string, string> | null {
  let value: unknown;
  try {
    value = parse(text, { schema: 'failsafe' });
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  return Object.fromEntries(
    Object.entries(value).filter((pair): pair is [string, string] => typeof pair[1] === 'string'),
  );
}

const inIso = (path: string | null | undefined) => path?.replace(/^\/+/, '');

/**
 * Where an ISO keeps its kernel and initramfs: as iso-metadata.yaml says,
 * else as the default boot label says, else Tiny Core's own names.
 */
export function bootPaths(
  has: (path: string) => boolean,
  metadata: Readonly<Record<string, string>> | null,
  line: BootLine | undefined,
): { readonly kernel: string | undefined; readonly initrd: string | undefined } {
  const fallback = DEFAULT_BOOT.find((boot) => has(boot.initrd));
  return {
    kernel: inIso(metadata?.kernel) ?? inIso(line?.kernel) ?? fallback?.kernel,
    initrd: inIso(metadata?.initrd) ?? inIso(line?.initrd) ?? fallback?.initrd,
  };
}

/** An ISO's tree, boot record, boot configuration and mkbundle's files in and beside it, read without mounting. */
export async function inspectIso(path: string, depth: number): Promise<IsoReport> {
  const report = parseBootReport(
    await xorrisoReport(path, ['-pvd_info', '-report_el_torito', 'plain', '-report_system_area', 'plain']),
  );
  const tree = (await isoTree(path)).filter((entry) => entry.path !== '');
  const files = new Map<string, LsEntry>(tree.filter((e) => e.kind === 'file').map((e) => [e.path, e]));
  const scratch = await scratchDir('inspect');
  let copies = 0;
  try {
    const read = async (inside: string | undefined): Promise<string | undefined> => {
      if (inside === undefined || !files.has(inside)) return undefined;
      const copy = join(scratch, `${++copies}`);
      await extractFromIso(path, inside, copy);
      return copy;
    };
    const metadataCopy = await read(METADATA_FILE);
    const metadata = metadataCopy === undefined ? null : metadataOf(await readFile(metadataCopy, 'utf8'));
    const cfgCopy = await read(ISOLINUX_CFG);
    const line = cfgCopy === undefined ? undefined : bootLine(await readFile(cfgCopy, 'utf8'));
    const { kernel: kernelPath, initrd: initrdPath } = bootPaths((p) => files.has(p), metadata, line);
    const fact = async (inside: string | undefined, copy: string | undefined): Promise<FileFact | null> =>
      inside === undefined || copy === undefined
        ? null
        : { path: inside, size: files.get(inside)?.size ?? 0, sha256: await sha256File(copy) };
    const kernelCopy = await read(kernelPath);
    const initrdCopy = await read(initrdPath);
    const initrdFact = await fact(initrdPath, initrdCopy);
    const initrd =
      initrdFact === null || initrdCopy === undefined
        ? null
        : { ...initrdFact, ...(await readInitramfs(initrdCopy, `${path}:/${initrdFact.path}`, depth)).facts };
    return {
      kind: 'iso',
      path,
      ...(await fileFacts(path)),
      volumeId: report.volumeId,
      boot: { catalog: report.catalog, images: report.images, systemArea: report.systemArea },
      isolinux: line === undefined ? null : { config: ISOLINUX_CFG, ...line },
      metadata,
      kernel: await fact(kernelPath, kernelCopy),
      initrd,
      manifest: await besideManifest(path),
      members: tree.length,
      depth,
      tree: summariseTree(tree, depth),
    };
  } finally {
    await removeScratchDir(scratch);
  }
}

/** The `….iso.manifest` the ISO stage writes beside the ISO, when it is there. */
async function besideManifest(iso: string): Promise<IsoReport['manifest']> {
  const path = `${iso}.manifest`;
  if (!existsSync(path)) return null;
  try {
    return { path, ...manifestFacts(await readFile(path, 'utf8')) };
  } catch (error) {
    throw new InputError(`cannot read ${path}: ${errorText(error)}`, { cause: error });
  }
}
