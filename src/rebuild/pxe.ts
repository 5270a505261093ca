import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { temporaryName, writeSynced } from '../archive/atomic.js';
import { removeOnInterrupt } from '../cleanup.js';
import type { Flavour } from '../config/flavour.js';
import { isoFileName } from '../iso/version.js';
import type { Staged } from '../output/publish.js';

/**
 * What `--pxe` writes beside the ISO, named after it: the kernel and the
 * new initrd a PXE server hands out (Razor serves a Microkernel so), the
 * kernel command line, and an iPXE script that boots the two from beside
 * itself. Fixed suffixes whatever the Core calls its files, so a server's
 * configuration need not know the architecture.
 */
export interface PxeNames {
  readonly kernel: string;
  readonly initrd: string;
  readonly cmdline: string;
  readonly ipxe: string;
}

export function pxeNames(flavour: Flavour, version: string): PxeNames {
  const stem = isoFileName(flavour, version).replace(/\.iso$/, '');
  return { kernel: `${stem}.vmlinuz`, initrd: `${stem}.core.gz`, cmdline: `${stem}.cmdline`, ipxe: `${stem}.ipxe` };
}

/** The name iPXE registers the initrd under; `initrd=` names it for an EFI kernel's own loader. */
const IPXE_INITRD = 'initrd.gz';

/**
 * The iPXE script: URLs relative to the script's own (iPXE resolves them
 * against it, over HTTP or TFTP), percent-encoded, so a VERSION with a
 * space or `$` stays one word and is never expanded. The command line is
 * written as given: iPXE expands `${…}` settings in it.
 */
export function ipxeScript(names: PxeNames, cmdline: string, title: string): string {
  const url = (name: string) => encodeURIComponent(name);
  return [
    '#!ipxe',
    `# ${title}: kernel and initrd beside this script`,
    `kernel ${url(names.kernel)} initrd=${IPXE_INITRD}${cmdline === '' ? '' : ` ${cmdline}`}`,
    `initrd --name ${IPXE_INITRD} ${url(names.initrd)}`,
    'boot',
    '',
  ].join('\n');
}

/** The PXE files under temporary names beside their final ones, for publish; `remove` deletes what is left. */
export interface StagedPxe {
  readonly staged: readonly Staged[];
  readonly remove: () => Promise<void>;
}

/** Copies kernel and initrd and writes cmdline and the iPXE script, each synced, beside `names` in `outDir`. */
export async function stagePxe(
  outDir: string,
  names: PxeNames,
  files: { readonly kernel: string; readonly initrd: string; readonly cmdline: string; readonly title: string },
): Promise<StagedPxe> {
  const staged: Staged[] = [];
  const untrack: (() => void)[] = [];
  const remove = async () => {
    for (const { from } of staged) await rm(from, { force: true });
    for (const done of untrack) done();
  };
  const stage = async (kind: Staged['kind'], name: string, source: () => Readable) => {
    const to = join(outDir, name);
    const from = temporaryName(to);
    untrack.push(removeOnInterrupt(from));
    staged.push({ kind, from, to });
    await writeSynced(from, to, source());
  };
  try {
    await stage('kernel', names.kernel, () => createReadStream(files.kernel));
    await stage('initrd', names.initrd, () => createReadStream(files.initrd));
    await stage('cmdline', names.cmdline, () => Readable.from([`${files.cmdline}\n`]));
    await stage('ipxe', names.ipxe, () => Readable.from([ipxeScript(names, files.cmdline, files.title)]));
  } catch (error) {
    await remove();
    throw error;
  }
  return { staged, remove };
}

/** The final paths, for the checks before the long work. */
export const pxePaths = (outDir: string, names: PxeNames): string[] =>
  [names.kernel, names.initrd, names.cmdline, names.ipxe].map((name) => join(outDir, name));
