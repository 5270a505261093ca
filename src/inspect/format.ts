import { escapeUnsafe, quoted } from '../config/quote.js';
import { formatSize } from '../fetch/size-limit.js';
import type {
  BundleReport,
  FileFact,
  InitramfsFacts,
  InspectReport,
  IsoReport,
  ManifestFacts,
  TczReport,
  TreeEntry,
} from './types.js';

/** Text from the inspected file, safe on a terminal. */
const shown = (text: string) => escapeUnsafe(text);

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

const list = (names: readonly string[]) => (names.length === 0 ? '(none)' : names.map(shown).join(' '));

function treeLines(report: { readonly tree: readonly TreeEntry[]; readonly depth: number }): string[] {
  const lines = [`  tree (${report.depth} level${report.depth === 1 ? '' : 's'}):`];
  for (const entry of report.tree) {
    const segments = entry.path.split('/');
    const name = shown(segments[segments.length - 1] ?? entry.path);
    const indent = '  '.repeat(segments.length + 1);
    if (entry.type === 'dir') {
      lines.push(`${indent}${name}/  ${formatSize(entry.size)} in ${count(entry.entries ?? 0, 'entry', 'entries')}`);
    } else if (entry.target !== undefined) {
      lines.push(`${indent}${name} ${entry.type === 'hardlink' ? '=>' : '->'} ${shown(entry.target)}`);
    } else {
      lines.push(`${indent}${name}${entry.type === 'file' ? `  ${formatSize(entry.size)}` : `  (${entry.type})`}`);
    }
  }
  return lines;
}

const fileLine = (what: string, fact: FileFact) =>
  `  ${what} ${shown(fact.path)}: ${formatSize(fact.size)}, sha256 ${fact.sha256}`;

function headerText(header: ManifestFacts['header']): string {
  const pairs = Object.entries(header).map(([key, value]) => `${shown(key)} ${shown(value)}`);
  return pairs.length === 0 ? '' : ` (${pairs.join(', ')})`;
}

function initramfsLines(facts: InitramfsFacts): string[] {
  const packed =
    facts.compression === 'gzip' ? `gzip, ${formatSize(facts.uncompressedSize)} uncompressed` : 'uncompressed';
  return [
    `  ${facts.entries} entries (${packed})${facts.mkVersion === null ? '' : `, mk_version ${shown(facts.mkVersion)}`}`,
    facts.manifest === null
      ? '  no mkbundle manifest inside'
      : `  mkbundle manifest inside: ${facts.manifest.entries} entries${headerText(facts.manifest.header)}`,
  ];
}

function bundleLines(report: BundleReport): string[] {
  const b = report.bundle;
  const t = b.tinycore;
  return [
    `  ${shown(b.tool)} bundle, format ${b.format}, ${shown(b.flavour)} flavour${b.era === null ? '' : `, ${shown(b.era)} tree`}${b.version === null ? '' : `, version ${shown(b.version)}`}`,
    `  Tiny Core ${shown(t.version)} ${shown(t.arch)}, kernel ${shown(t.kernelVersion)}: ${shown(t.iso)} (${shown(t.kernel)}, ${shown(t.initrd)})`,
    `  merges ${list(b.dependencies)}`,
    `  onboot (${b.extensions.onboot.length}): ${list(b.extensions.onboot)}`,
    `  builtin (${b.extensions.builtin.length}): ${list(b.extensions.builtin)}`,
    `  mirror (${b.extensions.mirror.length}): ${list(b.extensions.mirror)}`,
    `  gems (${b.gems.length}): ${b.gems.length === 0 ? '(none)' : b.gems.map((g) => `${shown(g.name)} ${shown(g.version)}`).join(', ')}`,
    `  files recorded (${b.files.length}):`,
    ...b.files.map((f) => `    ${shown(f.path)}  ${f.size} bytes  sha256 ${shown(f.sha256)}`),
    `  ${report.entries} entries`,
  ];
}

function isoLines(report: IsoReport): string[] {
  const lines = [
    `  volume ${report.volumeId === null ? '(none)' : quoted(report.volumeId)}, ${report.members} members`,
  ];
  const images = report.boot.images.map(
    (i) =>
      `${shown(i.platform)} ${i.bootable ? 'bootable' : 'not bootable'} ${shown(i.emulation)}-emulation ${shown(i.path ?? '?')}`,
  );
  lines.push(
    `  El Torito: ${images.length === 0 ? 'none' : images.join('; ')}${report.boot.catalog === null ? '' : ` (catalog ${shown(report.boot.catalog)})`}`,
  );
  if (report.boot.systemArea !== null) lines.push(`  system area: ${shown(report.boot.systemArea)}`);
  const b = report.isolinux;
  lines.push(
    b === null
      ? '  no isolinux.cfg'
      : `  ${b.config} boots ${b.label === null ? '(no label)' : quoted(b.label)}: kernel ${shown(b.kernel ?? '?')}, initrd ${shown(b.initrd ?? '?')}, append ${b.append === null ? '(none)' : quoted(b.append)}`,
  );
  lines.push(report.metadata === null ? '  no iso-metadata.yaml' : `  iso-metadata.yaml${headerText(report.metadata)}`);
  if (report.kernel !== null) lines.push(fileLine('kernel', report.kernel));
  if (report.initrd !== null)
    lines.push(fileLine('initrd', report.initrd), ...initramfsLines(report.initrd).map((l) => `  ${l}`));
  lines.push(
    report.manifest === null
      ? '  no manifest beside the ISO'
      : `  manifest beside: ${shown(report.manifest.path)}, ${report.manifest.entries} entries${headerText(report.manifest.header)}`,
  );
  return lines;
}

function tczLines(report: TczReport): string[] {
  const s = report.squashfs;
  return [
    `  squashfs: ${shown(s.compressor)}, ${formatSize(s.blockSize)} blocks, ${s.inodes} inodes, ${s.fragments} fragments, ${s.bytesUsed} bytes used`,
    `  ${report.entries} entries`,
  ];
}

const KIND_NAMES: Readonly<Record<InspectReport['kind'], string>> = {
  bundle: 'mkbundle bundle',
  iso: 'ISO',
  initramfs: 'initramfs',
  tcz: 'Tiny Core extension (squashfs)',
};

/** The report as lines for a terminal: what the file is, its facts, then its tree. */
export function formatInspect(report: InspectReport): string {
  const lines = [
    `${shown(report.path)}: ${KIND_NAMES[report.kind]}, ${formatSize(report.size)} (${report.size} bytes), sha256 ${report.sha256}`,
  ];
  switch (report.kind) {
    case 'bundle':
      lines.push(...bundleLines(report));
      break;
    case 'iso':
      lines.push(...isoLines(report));
      break;
    case 'initramfs':
      lines.push(...initramfsLines(report));
      break;
    case 'tcz':
      lines.push(...tczLines(report));
      break;
  }
  lines.push(...treeLines(report));
  return `${lines.join('\n')}\n`;
}
