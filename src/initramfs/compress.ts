import { type FileHandle, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Readable } from 'node:stream';
import { temporaryName, writeFileAtomically } from '../archive/atomic.js';
import type { CpioChunk } from '../archive/cpio-write.js';
import { gzipStream, recompress } from '../archive/gzip.js';
import { removeOnInterrupt } from '../cleanup.js';
import { GzipInput, libdeflateVersion, MAX_LEVEL } from '../deflate/libdeflate.js';
import { errorText } from '../errno.js';
import { AddonError, InputError, ToolMissingError } from '../errors.js';
import { findTool, TOOLS } from '../tools/which.js';
import { cutMembers, MEMBER_SIZE } from './members.js';

/** How core.gz is compressed: `--compress`. */
export const ENCODERS = ['libdeflate', 'max', 'advdef', 'gzip'] as const;
export type Encoder = (typeof ENCODERS)[number];

/** Whose output core.gz (or one of its members) holds. */
export type Kept = 'libdeflate 12' | 'advdef -z4' | 'gzip -9';

/** The encoder as the progress and the summary name it. */
export function encoderLabel(encoder: Encoder): string {
  switch (encoder) {
    case 'libdeflate':
      return 'libdeflate 12';
    case 'max':
      return 'libdeflate 12 + advdef -z4';
    case 'advdef':
      return 'advdef -z4';
    case 'gzip':
      return 'gzip -9';
  }
}

export interface EncoderChoice {
  readonly encoder: Encoder;
  /** Set when the default (or max) fell back: one line saying why and to what. */
  readonly fallback?: string;
}

/**
 * The encoder to use. Asked for by name, it must be there (libdeflate and
 * max: the native addon loads; advdef: installed), else the run stops before
 * the merge; max without advdef is libdeflate alone, with a note. By default
 * libdeflate, or, when the addon cannot load (an unpacked bundle on a machine
 * without its libraries), advdef -z4 when installed, else gzip -9, with the
 * reason.
 */
export async function chooseEncoder(requested: Encoder | undefined): Promise<EncoderChoice> {
  if (requested === 'gzip') return { encoder: 'gzip' };
  if (requested === 'advdef') {
    if ((await findTool('advdef')) === null) throw new ToolMissingError('advdef', TOOLS.advdef);
    return { encoder: 'advdef' };
  }
  try {
    libdeflateVersion();
  } catch (error) {
    if (requested !== undefined || !(error instanceof AddonError)) throw error;
    const encoder = (await findTool('advdef')) === null ? 'gzip' : 'advdef';
    return { encoder, fallback: `${error.message}; compressing core.gz with ${encoderLabel(encoder)} instead` };
  }
  if (requested !== 'max') return { encoder: 'libdeflate' };
  if ((await findTool('advdef')) !== null) return { encoder: 'max' };
  return {
    encoder: 'libdeflate',
    fallback: `advdef not found (Debian package ${TOOLS.advdef}): --compress max compresses core.gz with libdeflate 12 alone`,
  };
}

export interface CompressResult {
  readonly encoder: Encoder;
  /** Whose output holds most of core.gz's bytes. */
  readonly kept: Kept;
  readonly cpioSize: number;
  /** gzip -9 of the same cpio (with members: the sum of gzip -9 of each member). */
  readonly gzipSize: number;
  /** The file's final size. */
  readonly size: number;
  /** gzip members in the file, each ending between two cpio entries. */
  readonly members: readonly MemberResult[];
  /** One line: what ran, the sizes, the members, and why gzip -9 was kept when it was. */
  readonly summary: string;
}

export interface MemberResult {
  /** Where the member's bytes start in the cpio, and how many. */
  readonly offset: number;
  readonly cpioSize: number;
  readonly size: number;
  readonly kept: Kept;
}

export interface CompressProgress {
  /** cpio bytes compressed: members as they are written (advdef works on the whole at once: 0 until it ends). */
  readonly done: number;
  readonly total: number;
  readonly elapsedMs: number;
}

export interface CompressHooks {
  /**
   * The cpio is complete (`bytes`): what is left is the encoder's. Members
   * are compressed while the cpio is made, advdef starts only now.
   */
  readonly onEncode?: (bytes: number) => void;
  /** From then on, every second, after each member, and once at the end. */
  readonly onProgress?: (progress: CompressProgress) => void;
}

export interface MemberOptions {
  /** cpio bytes per member (default MEMBER_SIZE); a longer record is a member of its own. */
  readonly size?: number;
  /** Members compressed at once (default: the CPUs there are); the output never depends on it. */
  readonly parallel?: number;
}

/**
 * libdeflate shrinks already-compressed data (.tcz: squashfs in gzip blocks)
 * by a few percent at most. There zopfli finds a little more; elsewhere it
 * loses to libdeflate 12 and costs many times its time.
 */
const ALREADY_COMPRESSED = 0.9;

interface Ticker {
  /** Reports `done` now. */
  tick(done: number): void;
  /** The encoder is done: one last report with every byte. */
  finish(): void;
  /** No more reports (idempotent; after a failure, nothing is reported as done). */
  clear(): void;
}

/** Reports the encoder's progress every second until finished. */
function ticker(hooks: CompressHooks, total: number, done: () => number): Ticker {
  hooks.onEncode?.(total);
  const start = Date.now();
  const tick = (bytes: number) => hooks.onProgress?.({ done: bytes, total, elapsedMs: Date.now() - start });
  const timer = setInterval(() => tick(done()), 1000);
  timer.unref();
  return {
    tick,
    finish() {
      clearInterval(timer);
      tick(total);
    },
    clear() {
      clearInterval(timer);
    },
  };
}

const percentOf = (size: number, gzipSize: number) => `${((100 * size) / gzipSize).toFixed(2)}% of gzip -9`;

/**
 * Writes the cpio to `out` as gzip, never larger than gzip -9 of the same bytes.
 * - libdeflate: gzip members of about `members.size` cpio bytes, cut only
 *   between entries (cutMembers), compressed on the thread pool a few at a
 *   time while the cpio is made and written in order as they finish; each is
 *   libdeflate 12's, or zlib 9's when that is no larger;
 * - max: the same, and members of mostly already-compressed data also get
 *   `advdef -z4` (zopfli), kept when smaller;
 * - advdef: gzip -9 is streamed to `out`, then `advdef -z4` recompresses it,
 *   kept when smaller and the same content;
 * - gzip: gzip -9, streamed.
 * Memory stays at the members in flight, whatever the cpio's size.
 */
export async function compressCpio(
  cpio: AsyncIterable<CpioChunk>,
  out: string,
  encoder: Encoder,
  hooks: CompressHooks = {},
  members: MemberOptions = {},
): Promise<CompressResult> {
  if (encoder === 'libdeflate' || encoder === 'max') return compressMembers(cpio, out, encoder, hooks, members);
  let cpioSize = 0;
  async function* bytes(): AsyncGenerator<Buffer> {
    for await (const { data } of cpio) {
      cpioSize += data.length;
      yield data;
    }
  }
  await writeFileAtomically(out, Readable.from(bytes()), [gzipStream(9)]);
  const gzipSize = (await stat(out)).size;
  const base = { encoder, cpioSize, gzipSize };
  const whole = (size: number, kept: Kept) => [{ offset: 0, cpioSize, size, kept }];
  if (encoder === 'gzip') {
    const summary = `gzip -9: ${cpioSize} → ${gzipSize} bytes`;
    return { ...base, kept: 'gzip -9', size: gzipSize, members: whole(gzipSize, 'gzip -9'), summary };
  }
  const encoding = ticker(hooks, cpioSize, () => 0);
  try {
    const result = await recompress(out);
    encoding.finish();
    if (result.status === 'recompressed') {
      const summary = `advdef -z4: ${cpioSize} → ${result.after} bytes (${percentOf(result.after, gzipSize)})`;
      return { ...base, kept: 'advdef -z4', size: result.after, members: whole(result.after, 'advdef -z4'), summary };
    }
    const summary = `gzip -9 kept (${gzipSize} bytes): ${result.reason}`;
    return { ...base, kept: 'gzip -9', size: gzipSize, members: whole(gzipSize, 'gzip -9'), summary };
  } finally {
    encoding.clear();
  }
}

/** A member's bytes, gathered in native memory. */
interface Gathered {
  readonly index: number;
  readonly offset: number;
  readonly input: GzipInput;
}

/** What a member's compression found. */
interface Report {
  readonly result: MemberResult;
  /** zlib 9's and libdeflate 12's sizes of the member. */
  readonly gzipSize: number;
  readonly libdeflateSize: number;
}

/** A member made, held (in native memory, or from advdef in a Buffer) until it is written. */
interface Encoded extends Report {
  /** Writes the member at `position` of `file`, then frees it. */
  write(file: FileHandle, position: number): Promise<void>;
  /** Frees it unwritten (idempotent). */
  discard(): void;
}

/**
 * Members compressed at once: one per CPU, and a thread of the libuv pool
 * (4 unless UV_THREADPOOL_SIZE says otherwise) left for the merge's file reads.
 */
function defaultParallel(): number {
  const pool = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  return Math.max(1, Math.min(availableParallelism(), pool - 1));
}

const cannotWrite = (dest: string, error: unknown) =>
  new InputError(`cannot write ${dest}: ${errorText(error)}`, { cause: error });

/**
 * Writes through `write` into a temporary name beside `out`, syncs it and
 * renames it over `out`: nothing half-written is ever left under the final
 * name. Failures of the file itself are InputErrors naming `out`.
 */
async function writeAtomically(out: string, write: (file: FileHandle) => Promise<void>): Promise<void> {
  const temp = temporaryName(out);
  const untrack = removeOnInterrupt(temp);
  try {
    const file = await open(temp, 'wx', 0o644).catch((error: unknown) => {
      throw cannotWrite(out, error);
    });
    try {
      await write(file);
      await file.sync().catch((error: unknown) => {
        throw cannotWrite(out, error);
      });
    } finally {
      await file.close();
    }
    await rename(temp, out).catch((error: unknown) => {
      throw cannotWrite(out, error);
    });
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  } finally {
    untrack();
  }
}

async function compressMembers(
  cpio: AsyncIterable<CpioChunk>,
  out: string,
  encoder: 'libdeflate' | 'max',
  hooks: CompressHooks,
  options: MemberOptions,
): Promise<CompressResult> {
  // Only the reports: a member's bytes (a zopfli Buffer for max) go once written.
  const results: Report[] = [];
  let cpioSize = 0;
  let written = 0;
  let encoding: Ticker | undefined;

  async function* gathered(): AsyncGenerator<Gathered> {
    let current: Gathered | undefined;
    try {
      for await (const piece of cutMembers(cpio, options.size ?? MEMBER_SIZE, out)) {
        if (current?.index !== piece.member) {
          if (current !== undefined) yield current;
          current = { index: piece.member, offset: cpioSize, input: new GzipInput({ name: out }) };
        }
        current.input.append(piece.data);
        cpioSize += piece.data.length;
      }
      // An empty archive is still one (empty) member: a gzip file has at least one.
      current ??= { index: 0, offset: 0, input: new GzipInput({ name: out }) };
      encoding = ticker(hooks, cpioSize, () => written);
      const last = current;
      current = undefined;
      yield last;
    } finally {
      current?.input.close();
    }
  }

  const parallel = Math.max(1, options.parallel ?? defaultParallel());
  const made = mapOrdered(
    gathered(),
    parallel,
    (member) => encodeMember(member, encoder, out),
    (member) => member.discard(),
  );
  try {
    await writeAtomically(out, async (file) => {
      let position = 0;
      for await (const member of made) {
        try {
          await member.write(file, position);
        } finally {
          member.discard();
        }
        results.push({ result: member.result, gzipSize: member.gzipSize, libdeflateSize: member.libdeflateSize });
        position += member.result.size;
        written += member.result.cpioSize;
        encoding?.tick(written);
      }
    });
    encoding?.finish();
  } finally {
    encoding?.clear();
  }
  const sum = (pick: (r: Report) => number) => results.reduce((total, r) => total + pick(r), 0);
  const size = sum((r) => r.result.size);
  const gzipSize = sum((r) => r.gzipSize);
  const members = results.map((r) => r.result);
  const count = new Map<Kept, number>();
  const bytes = new Map<Kept, number>();
  for (const m of members) {
    count.set(m.kept, (count.get(m.kept) ?? 0) + 1);
    bytes.set(m.kept, (bytes.get(m.kept) ?? 0) + m.size);
  }
  const kept = [...bytes].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'gzip -9';
  const n = members.length;
  const inMembers = `${n} member${n === 1 ? '' : 's'}`;
  const base = { encoder, cpioSize, gzipSize, size, members } as const;
  if (count.get('gzip -9') === n) {
    const libdeflate = sum((r) => r.libdeflateSize);
    const summary = `gzip -9 kept (${gzipSize} bytes, ${inMembers}): libdeflate 12 output is not smaller (${libdeflate} bytes)`;
    return { ...base, kept, summary };
  }
  const mix = count.size > 1 ? `; ${[...count].map(([k, c]) => `${k} ×${c}`).join(', ')}` : '';
  const summary = `${encoderLabel(encoder)}: ${cpioSize} → ${size} bytes in ${inMembers} (${percentOf(size, gzipSize)}${mix})`;
  return { ...base, kept, summary };
}

/** One member: libdeflate 12 or zlib 9, whichever is smaller; for max, then zopfli where it may gain. */
async function encodeMember(member: Gathered, encoder: 'libdeflate' | 'max', out: string): Promise<Encoded> {
  const { input } = member;
  const cpioSize = input.size;
  try {
    const smallest = await input.smallest(MAX_LEVEL);
    const kept = smallest.by === 'zlib' ? 'gzip -9' : 'libdeflate 12';
    const made: Encoded = {
      result: { offset: member.offset, cpioSize, size: smallest.size, kept },
      gzipSize: smallest.zlibSize,
      libdeflateSize: smallest.libdeflateSize,
      async write(file, position) {
        await input.writeMember(file.fd, position, out);
      },
      discard: () => input.close(),
    };
    if (encoder !== 'max' || smallest.size < ALREADY_COMPRESSED * cpioSize) return made;
    const zopfli = await advdefMember(input, `${temporaryName(out)}.${member.index}.gz`, out);
    if (zopfli === undefined) return made;
    input.close();
    return {
      ...made,
      result: { ...made.result, size: zopfli.length, kept: 'advdef -z4' },
      async write(file, position) {
        await file.write(zopfli, 0, zopfli.length, position).catch((error: unknown) => {
          throw cannotWrite(out, error);
        });
      },
      discard: () => undefined,
    };
  } catch (error) {
    input.close();
    throw error;
  }
}

/** `advdef -z4` of the member `input` made, as a .gz file of its own; undefined when not smaller. */
async function advdefMember(input: GzipInput, temp: string, out: string): Promise<Buffer | undefined> {
  const untrack = removeOnInterrupt(temp);
  try {
    const file = await open(temp, 'wx', 0o600).catch((error: unknown) => {
      throw cannotWrite(out, error);
    });
    try {
      await input.writeMember(file.fd, 0, out);
    } finally {
      await file.close();
    }
    const result = await recompress(temp);
    return result.status === 'recompressed' ? await readFile(temp) : undefined;
  } finally {
    await rm(temp, { force: true });
    untrack();
  }
}

/**
 * `fn` over `source` with at most `limit` calls running at once, results in
 * the source's order. The next item is asked for only when a call is free,
 * so that memory stays at `limit` items plus the one being made. On a
 * failure, the calls running are waited for, and what they made is given to
 * `dispose`, before it is passed on.
 */
async function* mapOrdered<T, R>(
  source: AsyncIterable<T>,
  limit: number,
  fn: (item: T) => Promise<R>,
  dispose: (result: R) => void,
): AsyncGenerator<R> {
  const iterator = source[Symbol.asyncIterator]();
  const running: Promise<R>[] = [];
  let ended = false;
  try {
    for (;;) {
      while (!ended && running.length < limit) {
        const next = await iterator.next();
        if (next.done) ended = true;
        else {
          const call = fn(next.value);
          call.catch(() => undefined);
          running.push(call);
        }
      }
      const head = running.shift();
      if (head === undefined) return;
      yield await head;
    }
  } finally {
    for (const settled of await Promise.allSettled(running)) {
      if (settled.status === 'fulfilled') dispose(settled.value);
    }
    if (!ended) await iterator.return?.();
  }
}
