import type { ArchiveEntry } from '../../src/archive/entry.js';

export interface ReadEntry {
  readonly entry: ArchiveEntry;
  /** File bodies, read before the reader moves on (as readTar/readCpio require). */
  readonly body: Buffer | undefined;
}

/** Every entry of a reader's output, by path, with file bodies. */
export async function contentsOf(entries: AsyncIterable<ArchiveEntry>): Promise<Map<string, ReadEntry>> {
  const out = new Map<string, ReadEntry>();
  for await (const entry of entries) {
    let body: Buffer | undefined;
    if (entry.kind === 'file' && entry.data.from === 'stream') {
      const chunks: Buffer[] = [];
      for await (const chunk of entry.data.open()) chunks.push(chunk as Buffer);
      body = Buffer.concat(chunks);
    }
    out.set(entry.path, { entry, body });
  }
  return out;
}
