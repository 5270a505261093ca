import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { writeFileAtomically } from '../archive/atomic.js';
import { gzipStream, recompress } from '../archive/gzip.js';
import { GzipInput, libdeflateVersion, MAX_LEVEL } from '../deflate/libdeflate.js';
import { AddonError, ToolMissingError } from '../errors.js';
import { findTool, TOOLS } from '../tools/which.js';

/** How core.gz is compressed: `--compress`. */
export const ENCODERS = ['libdeflate', 'advdef', 'gzip'] as const;
export type Encoder = (typeof ENCODERS)[number];

/** Whose output core.gz holds. */
export type Kept = 'libdeflate 12' | 'advdef -z4' | 'gzip -9';

export interface EncoderChoice {
  readonly encoder: Encoder;
  /** Set when the default fell back: one line saying why and to what. */
  readonly fallback?: string;
}

/**
 * The encoder to use. Asked for by name, it must be there (libdeflate: the
 * native addon loads; advdef: installed), else the run stops before the
 * merge. By default libdeflate, or, when the addon cannot load (an unpacked
 * bundle on a machine without its libraries), advdef -z4 when installed,
 * else gzip -9, with the reason.
 */
export async function chooseEncoder(requested: Encoder | undefined): Promise<EncoderChoice> {
  if (requested === 'gzip') return { encoder: 'gzip' };
  if (requested === 'advdef') {
    if ((await findTool('advdef')) === null) throw new ToolMissingError('advdef', TOOLS.advdef);
    return { encoder: 'advdef' };
  }
  try {
    libdeflateVersion();
    return { encoder: 'libdeflate' };
  } catch (error) {
    if (requested === 'libdeflate' || !(error instanceof AddonError)) throw error;
    const encoder = (await findTool('advdef')) === null ? 'gzip' : 'advdef';
    const instead = encoder === 'advdef' ? 'advdef -z4' : 'gzip -9';
    return { encoder, fallback: `${error.message}; compressing core.gz with ${instead} instead` };
  }
}

export interface CompressResult {
  readonly encoder: Encoder;
  readonly kept: Kept;
  readonly cpioSize: number;
  /** gzip -9 of the same cpio. */
  readonly gzipSize: number;
  /** The file's final size. */
  readonly size: number;
  /** One line: what ran, the sizes, and why gzip -9 was kept when it was. */
  readonly summary: string;
}

export interface CompressProgress {
  /** cpio bytes compressed (libdeflate and advdef work on the whole at once: 0 until they end). */
  readonly done: number;
  readonly total: number;
  readonly elapsedMs: number;
}

export interface CompressHooks {
  /** libdeflate or advdef starts on the `bytes` of cpio (gzip -9 streams while the cpio is made). */
  readonly onEncode?: (bytes: number) => void;
  /** From then on, every second and once at the end. */
  readonly onProgress?: (progress: CompressProgress) => void;
}

interface Ticker {
  /** The encoder is done: one last report with every byte. */
  finish(): void;
  /** No more reports (idempotent; after a failure, nothing is reported as done). */
  clear(): void;
}

/** Reports the encoder's elapsed time every second until finished. */
function ticker(hooks: CompressHooks, total: number): Ticker {
  hooks.onEncode?.(total);
  const start = Date.now();
  const tick = (done: number) => hooks.onProgress?.({ done, total, elapsedMs: Date.now() - start });
  const timer = setInterval(() => tick(0), 1000);
  timer.unref();
  return {
    finish() {
      clearInterval(timer);
      tick(total);
    },
    clear() {
      clearInterval(timer);
    },
  };
}

/**
 * Writes the cpio stream to `out` as gzip, never larger than gzip -9 of the
 * same bytes. gzip -9 is streamed to `out` while the cpio is made; then
 * - libdeflate: the cpio, gathered meanwhile, is compressed at level 12 and
 *   replaces `out` when smaller;
 * - advdef: `advdef -z4` recompresses `out`, kept when smaller and the same content.
 */
export async function compressCpio(
  cpio: AsyncIterable<Buffer>,
  out: string,
  encoder: Encoder,
  hooks: CompressHooks = {},
): Promise<CompressResult> {
  const input = encoder === 'libdeflate' ? new GzipInput({ name: out }) : undefined;
  let cpioSize = 0;
  let deflated: Promise<Buffer> | undefined;
  let encoding: Ticker | undefined;
  async function* measured(): AsyncGenerator<Buffer> {
    for await (const chunk of cpio) {
      cpioSize += chunk.length;
      input?.append(chunk);
      yield chunk;
    }
    if (input === undefined) return;
    encoding = ticker(hooks, cpioSize);
    // Started before gzip -9 has drained, so that both cores work on the tail.
    deflated = input.gzip(MAX_LEVEL);
    deflated.catch(() => undefined);
  }
  try {
    await writeFileAtomically(out, Readable.from(measured()), [gzipStream(9)]);
    const gzipSize = (await stat(out)).size;
    const base = { encoder, cpioSize, gzipSize };
    const ratio = (size: number) => `${((100 * size) / gzipSize).toFixed(2)}% of gzip -9`;
    if (encoder === 'gzip') {
      return { ...base, kept: 'gzip -9', size: gzipSize, summary: `gzip -9: ${cpioSize} → ${gzipSize} bytes` };
    }
    if (encoder === 'advdef') {
      encoding = ticker(hooks, cpioSize);
      const result = await recompress(out);
      encoding.finish();
      if (result.status === 'recompressed') {
        const summary = `advdef -z4: ${cpioSize} → ${result.after} bytes (${ratio(result.after)})`;
        return { ...base, kept: 'advdef -z4', size: result.after, summary };
      }
      return {
        ...base,
        kept: 'gzip -9',
        size: gzipSize,
        summary: `gzip -9 kept (${gzipSize} bytes): ${result.reason}`,
      };
    }
    const data = await (deflated as Promise<Buffer>);
    encoding?.finish();
    if (data.length >= gzipSize) {
      const summary = `gzip -9 kept (${gzipSize} bytes): libdeflate 12 output is not smaller (${data.length} bytes)`;
      return { ...base, kept: 'gzip -9', size: gzipSize, summary };
    }
    await writeFileAtomically(out, Readable.from([data]));
    const summary = `libdeflate 12: ${cpioSize} → ${data.length} bytes (${ratio(data.length)})`;
    return { ...base, kept: 'libdeflate 12', size: data.length, summary };
  } finally {
    input?.close();
    encoding?.clear();
  }
}
