import { readTar } from '../archive/tar-read.js';
import { type BundleManifest, MANIFEST_NAME } from '../bundle/manifest.js';
import { quoted } from '../config/quote.js';
import { InputError } from '../errors.js';
import { checkBundleManifest } from '../rebuild/bundle-dir.js';
import { entryBytes } from './body.js';
import { notInspectable } from './detect.js';
import { fileFacts } from './file.js';
import { summariseTree, type TreeInput, treeInput } from './tree.js';
import type { BundleReport } from './types.js';

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/** bundle.json's facts in the report's shape: what it holds, missing parts empty. */
function bundleFacts(manifest: BundleManifest): BundleReport['bundle'] {
  const { tinycore: t } = manifest;
  const files = Object.entries(manifest.files ?? {}).map(([path, record]) => ({
    path,
    size: Number(record?.size ?? 0),
    sha256: String(record?.sha256 ?? ''),
    url: typeof record?.url === 'string' ? record.url : null,
  }));
  const gems = Array.isArray(manifest.gems) ? manifest.gems : [];
  return {
    format: manifest.format,
    tool: String(manifest.tool ?? ''),
    flavour: manifest.flavour,
    era: typeof manifest.era === 'string' ? manifest.era : null,
    version: manifest.version ?? null,
    tinycore: {
      version: String(t.version ?? ''),
      arch: t.arch,
      kernelVersion: t.kernelVersion,
      iso: t.iso,
      kernel: t.kernel,
      initrd: t.initrd,
    },
    dependencies: [...manifest.dependencies],
    extensions: {
      onboot: strings(manifest.extensions?.onboot),
      builtin: strings(manifest.extensions?.builtin),
      mirror: strings(manifest.extensions?.mirror),
    },
    gems: gems.map((g) => ({ name: String(g?.name ?? ''), version: String(g?.version ?? '') })),
    files: files.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path))),
  };
}

/** A bundle tarball, streamed once: its bundle.json, entry count and the first levels of its tree. */
export async function inspectBundle(path: string, depth: number): Promise<BundleReport> {
  const inputs: TreeInput[] = [];
  let manifest: Buffer | undefined;
  for await (const entry of readTar(path, { name: path, allowDevices: true })) {
    if (entry.path === '.') continue;
    inputs.push(treeInput(entry));
    if (entry.kind === 'file' && entry.path === MANIFEST_NAME) manifest = await entryBytes(path, entry);
  }
  if (manifest === undefined) throw notInspectable(path);
  let parsed: unknown;
  try {
    parsed = JSON.parse(manifest.toString('utf8'));
  } catch (error) {
    throw new InputError(`${quoted(path)}: ${MANIFEST_NAME} is not valid JSON`, { cause: error });
  }
  const checked = checkBundleManifest(parsed, `${quoted(path)}: ${MANIFEST_NAME}`);
  const { size, sha256 } = await fileFacts(path);
  return {
    kind: 'bundle',
    path,
    size,
    sha256,
    entries: inputs.length,
    bundle: bundleFacts(checked),
    depth,
    tree: summariseTree(inputs, depth),
  };
}
