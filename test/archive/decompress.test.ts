import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Duplex, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createXzDecompressor,
  createZstdDecompressor,
  type DecompressOptions,
  sniffCompression,
} from '../../src/archive/decompress.js';
import { ArchiveError } from '../../src/errors.js';
import { binding } from '../../src/squashfs/binding.js';
import { mixedContent } from '../squashfs/helpers/bytes.js';
import { run } from '../squashfs/helpers/run.js';

let dir: string;
let text: Buffer;
let zeros: Buffer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mkbundle-decompress-'));
  text = mixedContent(256 * 1024 + 17, 9);
  zeros = Buffer.alloc(8 * 1024 * 1024);
  await writeFile(join(dir, 'text'), text);
  await writeFile(join(dir, 'zeros'), zeros);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const compressed = new Map<string, Promise<Buffer>>();

/** Compresses a file with the real CLI (once per tool, file and options) and returns the compressed bytes. */
function compress(tool: 'xz' | 'zstd', file: string, args: string[]): Promise<Buffer> {
  const key = [tool, file, ...args].join(' ');
  let result = compressed.get(key);
  if (result === undefined) {
    const out = join(dir, `${file}.${createHash('md5').update(key).digest('hex')}`);
    const script = 'tool=$1 in=$2 out=$3; shift 3; "$tool" "$@" -q -c "$in" > "$out"';
    result = run('sh', ['-c', script, 'sh', tool, join(dir, file), out, ...args]).then(() => readFile(out));
    compressed.set(key, result);
  }
  return result;
}

type Make = (options?: DecompressOptions) => Duplex;

interface Decoded {
  data: Buffer;
  largestChunk: number;
}

/** Feeds `input` in `chunk`-byte writes and collects the output through a slow, one-piece-at-a-time reader. */
async function decode(make: Make, input: Buffer, chunk = 64 * 1024, name?: string): Promise<Decoded> {
  const pieces: Buffer[] = [];
  let largestChunk = 0;
  const decompressor = make(name === undefined ? {} : { name });
  const chunks = function* () {
    for (let at = 0; at < input.length; at += chunk) yield input.subarray(at, at + chunk);
  };
  await pipeline(
    Readable.from(chunks()),
    decompressor,
    new Writable({
      highWaterMark: 1,
      write(piece: Buffer, _encoding, callback) {
        pieces.push(piece);
        largestChunk = Math.max(largestChunk, piece.length);
        setImmediate(callback);
      },
    }),
  );
  return { data: Buffer.concat(pieces), largestChunk };
}

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

const FORMATS: [string, 'xz' | 'zstd', Make][] = [
  ['xz', 'xz', createXzDecompressor],
  ['zstd', 'zstd', createZstdDecompressor],
];

describe.each(FORMATS)('%s decompression', (label, tool, make) => {
  const variants: Record<'xz' | 'zstd', string[][]> = {
    xz: [[], ['-9e'], ['--check=sha256'], ['-0', '--check=none']],
    zstd: [[], ['-19'], ['--long=27'], ['-1', '--no-check']],
  };

  it.each(variants[tool].map((args) => ({ args, shown: args.join(' ') || 'defaults' })))(
    `matches the original after ${tool} $shown`,
    async ({ args }) => {
      const input = await compress(tool, 'text', args);
      const { data } = await decode(make, input);
      expect(sha(data)).toBe(sha(text));
    },
  );

  it('matches what the CLI itself decompresses', async () => {
    const input = await compress(tool, 'text', []);
    const file = join(dir, `peer.${tool}`);
    await writeFile(file, input);
    const peer = await run('sh', ['-c', `${tool} -dc "$0" | sha256sum`, file]);
    expect(peer.split(' ')[0]).toBe(sha((await decode(make, input)).data));
  });

  it('decodes byte-sized writes and concatenated streams', async () => {
    const small = Buffer.from('hello, world\n'.repeat(40));
    await writeFile(join(dir, 'small'), small);
    const one = await compress(tool, 'small', []);
    expect((await decode(make, one, 1)).data.equals(small)).toBe(true);
    const two = Buffer.concat([one, one]);
    expect((await decode(make, two, 7)).data.equals(Buffer.concat([small, small]))).toBe(true);
  });

  it('hands out bounded pieces for very compressible input', async () => {
    const input = await compress(tool, 'zeros', []);
    expect(input.length).toBeLessThan(64 * 1024);
    const { data, largestChunk } = await decode(make, input);
    expect(data.length).toBe(zeros.length);
    expect(data.every((b) => b === 0)).toBe(true);
    expect(largestChunk).toBeLessThanOrEqual(128 * 1024);
  });

  it('stops decoding while nobody reads', async () => {
    const input = await compress(tool, 'zeros', []);
    const decompressor = make();
    let finished = false;
    decompressor.on('finish', () => {
      finished = true;
    });
    decompressor.end(input);
    // Ample time to decode all 8 MiB for a stream that ignored its reader (a slow machine can only hide such a bug).
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(finished).toBe(false);
    // The readable buffer's high-water mark plus one native piece, never the whole 8 MiB.
    expect(decompressor.readableLength).toBeLessThanOrEqual(16 * 1024 + 128 * 1024);
    expect(Buffer.concat(await decompressor.toArray()).length).toBe(zeros.length);
  });

  it('refuses truncated input with a one-line ArchiveError naming it', async () => {
    const input = await compress(tool, 'text', []);
    for (const cut of [0, 3, 20, input.length >> 1, input.length - 1]) {
      const error = await decode(make, input.subarray(0, cut), 4096, 'pkg/data.tar').catch((e: unknown) => e);
      expect(error, `cut at ${cut}`).toBeInstanceOf(ArchiveError);
      expect((error as Error).message, `cut at ${cut}`).toMatch(new RegExp(`^pkg/data\\.tar: (truncated|no) ${label}`));
    }
  });

  it('refuses corrupt input, foreign input and trailing garbage', async () => {
    const input = await compress(tool, 'text', []);
    const corrupt = Buffer.from(input);
    corrupt[input.length >> 1] = (corrupt[input.length >> 1] as number) ^ 0x55;
    await expect(decode(make, corrupt)).rejects.toThrow(new RegExp(`^${label} data: corrupt ${label} data`));
    await expect(decode(make, Buffer.from('plain text, not compressed'))).rejects.toThrow(`not ${label} data`);
    const trailing = Buffer.concat([input, Buffer.from('garbage!')]);
    await expect(decode(make, trailing)).rejects.toBeInstanceOf(ArchiveError);
  });
});

describe('decoder lifetime', () => {
  it.each(FORMATS)(
    'frees the %s decoder when the stream ends, fails or is destroyed, without waiting for GC',
    async (_label, tool, make) => {
      const live = () => binding().liveObjects().decoders;
      const before = live();
      const input = await compress(tool, 'text', []);
      await decode(make, input);
      await decode(make, input.subarray(0, 100)).catch(() => {});
      const abandoned = make();
      abandoned.write(input.subarray(0, 1000));
      abandoned.destroy();
      await new Promise((resolve) => abandoned.once('close', resolve));
      expect(live()).toBe(before);
    },
  );
});

describe('sniffCompression', () => {
  it('tells the formats apart by their magic', async () => {
    expect(sniffCompression(await compress('xz', 'text', []))).toBe('xz');
    expect(sniffCompression(await compress('zstd', 'text', []))).toBe('zstd');
    expect(sniffCompression(Buffer.from([0x1f, 0x8b, 8, 0]))).toBe('gzip');
    expect(sniffCompression(Buffer.from('Package: lshw\n'))).toBe('none');
    expect(sniffCompression(Buffer.from([0xfd, 0x37]))).toBe('none');
  });
});
