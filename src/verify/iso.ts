import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readCpio } from '../archive/cpio-read.js';
import { quoted } from '../config/quote.js';
import { sha256File } from '../hash.js';
import { type ParsedManifest, parseManifest } from '../initramfs/manifest.js';
import { bootPaths, metadataOf } from '../inspect/iso.js';
import { bootLine } from '../inspect/isolinux.js';
import { ISOLINUX_CFG } from '../iso/isolinux.js';
import { METADATA_FILE } from '../iso/metadata.js';
import { extractFromIso } from '../iso/read.js';
import { isoTree } from '../listing/iso.js';
import { kernelVersionFromPaths } from '../tce/kernel-version.js';
import { checkImage } from './image.js';
import { checkManifest } from './manifest.js';
import { scanImage } from './scan.js';
import type { VerifyReport } from './types.js';

/** What a manifest's header must say of the boot files. */
function headerProblems(
  label: string,
  header: ParsedManifest['header'],
  facts: { kernel: string; kernelHash: string; initrd: string; initrdHash?: string },
): string[] {
  const expected: [string, string | undefined][] = [
    ['kernel', facts.kernel],
    ['kernel_hash', facts.kernelHash],
    ['initrd', facts.initrd],
    ['initrd_hash', facts.initrdHash],
  ];
  return expected.flatMap(([key, value]) => {
    if (value === undefined || header[key] === value) return [];
    const stated = header[key] === undefined ? 'no' : quoted(header[key] ?? '');
    return [`${quoted(label)} says ${key} ${stated}, but the ISO's is ${value}`];
  });
}

/**
 * An ISO mkbundle made, read rootless (xorriso copies files out; nothing
 * is mounted): its initramfs's extensions and libraries, the manifest
 * inside and beside it against the initramfs, and iso-metadata.yaml's
 * hashes against the boot files.
 */
export async function isoReport(iso: string, scratch: string): Promise<VerifyReport> {
  const files = new Set((await isoTree(iso)).filter((e) => e.kind === 'file').map((e) => e.path));
  let copies = 0;
  const copyOut = async (inside: string) => {
    const copy = join(scratch, `iso-${++copies}`);
    await extractFromIso(iso, inside, copy);
    return copy;
  };
  const text = async (inside: string) => (files.has(inside) ? readFile(await copyOut(inside), 'utf8') : undefined);
  const metadataText = await text(METADATA_FILE);
  const metadata = metadataText === undefined ? null : metadataOf(metadataText);
  const cfg = await text(ISOLINUX_CFG);
  const boot = bootPaths((p) => files.has(p), metadata, cfg === undefined ? undefined : bootLine(cfg));
  const problems: string[] = [];
  if (metadata === null) problems.push(`${quoted(iso)} has no readable ${quoted(METADATA_FILE)}`);
  if (boot.kernel === undefined || !files.has(boot.kernel) || boot.initrd === undefined || !files.has(boot.initrd)) {
    problems.push(
      `${quoted(iso)} has no kernel and initramfs to boot (${quoted(boot.kernel ?? '?')}, ${quoted(boot.initrd ?? '?')})`,
    );
    return { ok: false, kind: 'iso', problems, checked: { extensions: 0, deps: 0, manifestEntries: 0, elfFiles: 0 } };
  }
  const kernelHash = await sha256File(await copyOut(boot.kernel));
  const initrdCopy = await copyOut(boot.initrd);
  const initrdHash = await sha256File(initrdCopy);
  const facts = { kernel: boot.kernel, kernelHash, initrd: boot.initrd, initrdHash };
  if (metadata !== null) problems.push(...headerProblems(METADATA_FILE, metadata, facts));

  const name = `${iso}:/${boot.initrd}`;
  const scan = await scanImage(readCpio(initrdCopy, { name, allowDevices: true }), name, scratch);
  const image = await checkImage(scan, {
    kernelVersion: () =>
      kernelVersionFromPaths(
        scan.records.map((r) => r.path),
        name,
      ),
  });
  problems.push(...image.problems);

  let manifestEntries = 0;
  const inside = scan.manifest === undefined ? undefined : parseManifest(scan.manifest);
  const label = `${boot.initrd}:/usr/share/mkbundle/manifest`;
  if (inside === undefined)
    problems.push(`${quoted(boot.initrd)} has no mkbundle manifest (usr/share/mkbundle/manifest)`);
  else {
    const { initrdHash: _unknowable, ...known } = facts;
    problems.push(...headerProblems(label, inside.header, known));
    const checked = checkManifest(label, inside, scan.records);
    problems.push(...checked.problems);
    manifestEntries = checked.compared;
  }
  const besidePath = `${iso}.manifest`;
  if (existsSync(besidePath)) {
    const beside = parseManifest(await readFile(besidePath, 'utf8'));
    problems.push(...headerProblems(besidePath, beside.header, facts));
    if (inside === undefined) {
      const checked = checkManifest(besidePath, beside, scan.records);
      problems.push(...checked.problems);
      manifestEntries = checked.compared;
    } else if (JSON.stringify(beside.records) !== JSON.stringify(inside.records)) {
      problems.push(`${quoted(besidePath)} lists other entries than ${quoted(label)}`);
    }
  }
  return {
    ok: problems.length === 0,
    kind: 'iso',
    problems,
    checked: { extensions: image.extensions, deps: image.deps, manifestEntries, elfFiles: image.elfFiles },
  };
}
