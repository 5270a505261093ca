import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import { expect } from 'vitest';
import { readTar } from '../../src/archive/tar-read.js';
import { main } from '../../src/cli/main.js';
import { contentsOf, type ReadEntry } from '../helpers/contents.js';
import { parseRunJson } from '../helpers/json-schema.js';

export type { ReadEntry };

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

/**
 * Runs the CLI in-process with its output captured. With --json, stdout is
 * held to the contract (one line, valid against docs/mkbundle.schema.json)
 * whatever the test goes on to read.
 */
export async function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const stdout = new Collector();
  const stderr = new Collector();
  const code = await main(args, { stdout, stderr, env: { PATH: process.env.PATH, ...env } });
  if (args.includes('--json')) expect(parseRunJson(stdout.text).exitCode).toBe(code);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** Every entry of a tar(.gz) with its body. */
export async function tarContents(source: string | Buffer): Promise<Map<string, ReadEntry>> {
  const input = typeof source === 'string' ? source : Readable.from([source]);
  return contentsOf(readTar(input, { name: 'test archive' }));
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
