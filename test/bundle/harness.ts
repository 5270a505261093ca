import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import type { ArchiveEntry } from '../../src/archive/entry.js';
import { readTar } from '../../src/archive/tar-read.js';
import { main } from '../../src/cli/main.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

class Collector extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** Runs the CLI in-process with its output captured. */
export async function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const stdout = new Collector();
  const stderr = new Collector();
  const code = await main(args, { stdout, stderr, env: { PATH: process.env.PATH, ...env } });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

export interface ReadEntry {
  readonly entry: ArchiveEntry;
  readonly body: Buffer | undefined;
}

/** Every entry of a tar(.gz) with its body. */
export async function tarContents(source: string | Buffer): Promise<Map<string, ReadEntry>> {
  const input = typeof source === 'string' ? source : Readable.from([source]);
  const out = new Map<string, ReadEntry>();
  for await (const entry of readTar(input, { name: 'test archive' })) {
    let body: Buffer | undefined;
    // readTar hands file bodies out as streams, to be read before the next entry.
    if (entry.kind === 'file' && entry.data.from === 'stream') {
      const chunks: Buffer[] = [];
      for await (const chunk of entry.data.open()) chunks.push(chunk as Buffer);
      body = Buffer.concat(chunks);
    }
    out.set(entry.path, { entry, body });
  }
  return out;
}

export function text(contents: Map<string, ReadEntry>, path: string): string {
  const found = contents.get(path);
  if (!found?.body) throw new Error(`no file ${path} in the archive`);
  return found.body.toString();
}

export async function sha256(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}
