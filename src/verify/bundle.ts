import { join } from 'node:path';
import { quoted } from '../config/quote.js';
import { mergeEntries } from '../initramfs/merge.js';
import { indexOverlays } from '../initramfs/overlay-index.js';
import { extractFromIso } from '../iso/read.js';
import { openBundle } from '../rebuild/bundle-dir.js';
import { bundleFileProblems, filesRead } from '../rebuild/verify.js';
import { checkImage } from './image.js';
import { scanImage } from './scan.js';
import type { VerifyReport } from './types.js';

/**
 * A bundle (its tarball, or unpacked): its files against bundle.json, then
 * the initramfs the ISO stage would make of it (the Core's core.gz merged
 * with the overlays, as the ISO stage merges them) as the Microkernel
 * boots it: extensions, lists and libraries. A bundle has no manifest yet.
 */
export async function bundleReport(path: string, scratch: string): Promise<VerifyReport> {
  const { dir, manifest } = await openBundle(path, scratch);
  const problems = await bundleFileProblems(dir, manifest, quoted(path));
  const { iso, initrd, kernelVersion } = manifest.tinycore;
  const core = join(scratch, 'core.gz');
  await extractFromIso(join(dir, iso), initrd, core);
  const overlays = manifest.dependencies.map((d) => ({ path: join(dir, d), name: d }));
  const sources = { core: { path: core, name: `${iso}:/${initrd}` }, overlays, index: await indexOverlays(overlays) };
  const scan = await scanImage(mergeEntries(sources), quoted(path), scratch);
  const image = await checkImage(scan, { kernelVersion: () => kernelVersion, onboot: manifest.extensions.onboot });
  problems.push(...image.problems);
  return {
    ok: problems.length === 0,
    kind: 'bundle',
    problems,
    checked: {
      extensions: image.extensions,
      deps: image.deps,
      manifestEntries: filesRead(dir, manifest).length,
      elfFiles: image.elfFiles,
    },
  };
}
