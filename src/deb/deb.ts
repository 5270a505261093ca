import { type Duplex, pipeline, type Readable } from 'node:stream';
import { createXzDecompressor, createZstdDecompressor } from '../archive/decompress.js';
import type { ArchiveEntry } from '../archive/entry.js';
import { readTar } from '../archive/tar-read.js';
import { quoted } from '../config/quote.js';
import { ArchiveError } from '../errors.js';
import { type ArMember, readAr } from './ar.js';

/** A tarball of the package: its entries, and how errors name it (`DEB: MEMBER`). */
export interface DebTarball {
  readonly member: string;
  readonly label: string;
  readonly entries: AsyncGenerator<ArchiveEntry>;
}

export interface DebHandlers {
  /** The control tarball (maintainer scripts, `control`); entries not consumed are skipped. */
  control(tarball: DebTarball): Promise<void>;
  /** The data tarball: the package's files. */
  data(tarball: DebTarball): Promise<void>;
}

const TARBALL = /^(control|data)\.tar(?:\.(gz|xz|zst))?$/;
const MAX_VERSION_MEMBER = 1024;

/**
 * Reads a binary Debian package (`debian-binary` 2.x, then `control.tar`,
 * then `data.tar`, each plain, `.gz`, `.xz` or `.zst`; `_`-prefixed members
 * are skipped, as dpkg does) and hands its two tarballs, in order, to the
 * handlers through the project's safe tar reader: its hostile-entry rules
 * (no absolute names or `..`, nothing written through a symlink, no device
 * nodes) hold here too. Errors are one-line ArchiveErrors naming the
 * package and the member.
 */
export async function readDeb(debPath: string, handlers: DebHandlers): Promise<void> {
  let stage: 'version' | 'control' | 'data' = 'version';
  for await (const member of readAr(debPath)) {
    if (stage === 'version') {
      await checkVersion(debPath, member);
      stage = 'control';
      continue;
    }
    if (member.name.startsWith('_')) continue;
    const match = TARBALL.exec(member.name);
    if (match?.[1] !== stage) {
      throw new ArchiveError(`${debPath}: ${quoted(member.name)}: unexpected member (wanted ${stage}.tar)`);
    }
    const tarball = openTarball(debPath, member, match[2]);
    try {
      await handlers[stage](tarball);
    } finally {
      await tarball.entries.return(undefined);
    }
    if (stage === 'data') return;
    stage = 'data';
  }
  throw new ArchiveError(
    stage === 'version' ? `${debPath}: empty ar archive, not a Debian package` : `${debPath}: no ${stage}.tar member`,
  );
}

async function checkVersion(debPath: string, member: ArMember): Promise<void> {
  if (member.name !== 'debian-binary') {
    throw new ArchiveError(`${debPath}: not a Debian package (first member is ${quoted(member.name)})`);
  }
  if (member.size > MAX_VERSION_MEMBER) throw new ArchiveError(`${debPath}: debian-binary: oversized member`);
  const chunks: Buffer[] = [];
  for await (const chunk of member.open()) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('latin1');
  if (!/^2\.[0-9]+\n/.test(text)) {
    throw new ArchiveError(`${debPath}: debian-binary: unsupported package format ${quoted(text.trim())}`);
  }
}

function openTarball(debPath: string, member: ArMember, compression: string | undefined): DebTarball {
  const label = `${debPath}: ${member.name}`;
  const raw = member.open();
  let source: Readable = raw;
  if (compression === 'xz' || compression === 'zst') {
    const decompressor: Duplex =
      compression === 'xz' ? createXzDecompressor({ name: label }) : createZstdDecompressor({ name: label });
    // Failures reach the tar reader through the decompressor, which the pipeline destroys with them.
    source = pipeline(raw, decompressor, () => {});
  }
  // gzip (and plain tar) are recognised by the tar reader itself.
  return { member: member.name, label, entries: readTar(source, { name: label }) };
}
