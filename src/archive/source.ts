import { createReadStream } from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { codeOf } from '../errno.js';
import { ArchiveError } from '../errors.js';
import { ByteReader } from './byte-reader.js';
import type { ArchiveEntry } from './entry.js';

/** A file path, or a stream of the archive's bytes. Either may be gzipped. */
export type ArchiveSource = string | Readable;

export interface ReadOptions {
  /** How errors name the archive (default: the path given). */
  readonly name?: string;
  /** Pass device nodes, FIFOs and sockets through (default: refuse them). */
  readonly allowDevices?: boolean;
}

export interface OpenedArchive {
  /** How errors name the archive. */
  readonly name: string;
  /** The archive's bytes, gunzipped when the source starts with the gzip magic. */
  readonly reader: ByteReader;
  close(): Promise<void>;
}

export function archiveName(source: ArchiveSource, name: string | undefined): string {
  return name ?? (typeof source === 'string' ? source : 'archive stream');
}

export async function openArchive(source: ArchiveSource, name: string): Promise<OpenedArchive> {
  const raw = typeof source === 'string' ? createReadStream(source) : source;
  const rawReader = new ByteReader(raw);
  const closeRaw = async (): Promise<void> => {
    raw.destroy();
    await rawReader.close();
  };
  try {
    const magic = await rawReader.peek(2);
    if (magic.length < 2 || magic[0] !== 0x1f || magic[1] !== 0x8b) {
      return { name, reader: rawReader, close: closeRaw };
    }
  } catch (error) {
    await closeRaw();
    throw wrapReadError(name, error);
  }
  const gunzip = createGunzip();
  // Errors reach the consumer through gunzip, which pipeline destroys with them.
  pipeline(Readable.from(rawReader.rest()), gunzip, () => {});
  const reader = new ByteReader(inflated(gunzip, name));
  return {
    name,
    reader,
    close: async () => {
      gunzip.destroy();
      await reader.close();
      await closeRaw();
    },
  };
}

/** The gunzipped bytes; zlib's failures become ArchiveErrors naming the archive. */
async function* inflated(gunzip: AsyncIterable<unknown>, name: string): AsyncGenerator<unknown> {
  try {
    yield* gunzip;
  } catch (error) {
    throw gunzipError(name, error);
  }
}

/** zlib's words for a broken gzip check, in the user's. */
const ZLIB_REASONS: Readonly<Record<string, string>> = {
  'incorrect data check': 'CRC-32 mismatch',
  'incorrect length check': 'length mismatch',
};

/** A gzip stream cut short, or one whose data or checks are wrong, as one line naming the archive. */
export function gunzipError(name: string, error: unknown): ArchiveError {
  const code = codeOf(error);
  if (code === 'Z_BUF_ERROR') return new ArchiveError(`${name}: gzip data is truncated`, { cause: error });
  if (code === 'Z_DATA_ERROR') {
    const message = (error as Error).message;
    return new ArchiveError(`${name}: gzip data is corrupt (${ZLIB_REASONS[message] ?? message})`, { cause: error });
  }
  return wrapReadError(name, error);
}

/**
 * Opens an archive and yields what `parse` reads from it: every error names
 * the archive, and the file is closed however the consumer stops.
 */
export async function* parseArchive(
  source: ArchiveSource,
  options: ReadOptions,
  parse: (archive: OpenedArchive, allowDevices: boolean) => AsyncIterable<ArchiveEntry>,
): AsyncGenerator<ArchiveEntry> {
  const name = archiveName(source, options.name);
  const archive = await openArchive(source, name);
  try {
    yield* parse(archive, options.allowDevices ?? false);
  } catch (error) {
    throw wrapReadError(name, error);
  } finally {
    await archive.close();
  }
}

/** Turns an I/O or zlib failure into a one-line ArchiveError naming the archive. */
export function wrapReadError(name: string, error: unknown): ArchiveError {
  if (error instanceof ArchiveError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ArchiveError(`${name}: cannot read archive: ${message}`, { cause: error });
}
