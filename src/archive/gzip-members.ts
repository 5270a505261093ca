import { gzipBuffer } from '../deflate/libdeflate.js';
import { sniffCompression } from './decompress.js';

/**
 * A part of the byte stream: `meta` is small structure (tar headers,
 * padding), always compressed; `data` is one file's bytes, looked at before
 * it is compressed; `members` is a data part of at least BLOCK_SIZE bytes
 * whose members were made beforehand (partMembers), written as they are.
 */
export type StreamPart =
  | { readonly kind: 'meta' | 'data'; readonly chunks: AsyncIterable<Buffer> | Iterable<Buffer> }
  | { readonly kind: 'members'; readonly members: Promise<readonly Buffer[]> };

/**
 * libdeflate levels: what is compressed already is stored, squashfs gets
 * the fast level, the rest level 8, which comes out no larger than zlib -9
 * on text, code and tar headers for about half its CPU (7 is a little larger).
 */
export const STORED_LEVEL = 0;
export const FAST_LEVEL = 1;
export const DENSE_LEVEL = 8;

/** Data of unknown type is judged 64 KiB at a time, by how its first 4 KiB deflate. */
export const BLOCK_SIZE = 64 * 1024;
export const SAMPLE_SIZE = 4 * 1024;
/** Most input in one member: bounds the memory held, and lets members compress on two pool threads at once. */
export const MEMBER_SIZE = 4 * 1024 * 1024;
const IN_FLIGHT = 2;

/** Enough of a file's head to tell its type. */
const HEAD_SIZE = 6;
const SQUASHFS = Buffer.from('hsqs');
const BZIP2 = Buffer.from('BZh');

/**
 * The level for a whole file by its first bytes, or undefined when its
 * blocks must be sampled. Gzip, xz, zstd and bzip2 do not shrink again:
 * stored. Squashfs (a `.tcz`) is compressed per 4 KiB block, and deflate
 * still finds about 0.2% in what the blocks share: the fast level finds it
 * at a third of zlib's cost.
 */
export function levelByType(head: Buffer): number | undefined {
  if (sniffCompression(head) !== 'none' || head.subarray(0, BZIP2.length).equals(BZIP2)) return STORED_LEVEL;
  if (head.subarray(0, SQUASHFS.length).equals(SQUASHFS)) return FAST_LEVEL;
  return undefined;
}

/** Gzip framing around a member's deflate data: 10 bytes of header, 8 of trailer. */
const GZIP_FRAMING = 18;

/** Stored when the fast level does not shrink the block's sample at all; else the moderate level. */
async function levelBySample(block: Buffer, name: string): Promise<number> {
  const sample = block.subarray(0, SAMPLE_SIZE);
  const deflated = (await gzipBuffer(sample, FAST_LEVEL, { name })).length - GZIP_FRAMING;
  return deflated < sample.length ? DENSE_LEVEL : STORED_LEVEL;
}

type Out = (level: number, bytes: Buffer) => Promise<void>;

/**
 * Splits a part's bytes into (level, bytes) runs. Nothing is passed on
 * before a whole block is in: a part shorter than that is compressed at the
 * dense level whatever it holds, so that small files go on in their
 * neighbours' member instead of starting one of their own. A longer part
 * stands apart (`apart` is called before its first bytes go out): its
 * members start and end with it, so that they can be made beforehand. Its
 * type is told by its head, else each block is judged by its sample.
 */
class PartLevels {
  #level: number | undefined;
  #decided: boolean;
  #apart = false;
  /** Bytes not passed on yet: the first block while the type is unknown, then a sampled block being filled. */
  #held: Buffer[] = [];
  #heldSize = 0;

  constructor(
    kind: 'meta' | 'data',
    private readonly name: string,
    private readonly apart: () => Promise<void>,
  ) {
    this.#decided = kind === 'meta';
    this.#level = kind === 'meta' ? DENSE_LEVEL : undefined;
  }

  /** The part is at least a block long. */
  get isApart(): boolean {
    return this.#apart;
  }

  async push(chunk: Buffer, out: Out): Promise<void> {
    if (this.#decided && this.#level !== undefined) return out(this.#level, chunk);
    this.#held.push(chunk);
    this.#heldSize += chunk.length;
    if (this.#heldSize < BLOCK_SIZE) return;
    let pending = this.#take();
    if (!this.#decided) {
      this.#decided = true;
      this.#apart = true;
      this.#level = levelByType(pending.subarray(0, HEAD_SIZE));
      await this.apart();
      if (this.#level !== undefined) return out(this.#level, pending);
    }
    // Sampled: blocks start at fixed offsets from the part's start, however the chunks came.
    while (pending.length >= BLOCK_SIZE) {
      const block = pending.subarray(0, BLOCK_SIZE);
      await out(await levelBySample(block, this.name), block);
      pending = pending.subarray(BLOCK_SIZE);
    }
    if (pending.length > 0) {
      this.#held = [pending];
      this.#heldSize = pending.length;
    }
  }

  async end(out: Out): Promise<void> {
    if (this.#heldSize === 0) return;
    const rest = this.#take();
    await out(this.#decided ? await levelBySample(rest, this.name) : DENSE_LEVEL, rest);
  }

  #take(): Buffer {
    const bytes = this.#held.length === 1 ? (this.#held[0] as Buffer) : Buffer.concat(this.#held, this.#heldSize);
    this.#held = [];
    this.#heldSize = 0;
    return bytes;
  }
}

/**
 * Gzip members of the parts' bytes, in order, each made by libdeflate on
 * the thread pool (two at once): consecutive bytes of one level form a
 * member of at most MEMBER_SIZE input; a part of at least BLOCK_SIZE bytes
 * has members of its own. `gunzip` and `tar -xz` read the concatenation as
 * one stream. The members depend only on the bytes and the part
 * boundaries, never on chunk sizes or timing: the same input gives the same
 * output.
 */
export async function* gzipMembers(
  parts: AsyncIterable<StreamPart> | Iterable<StreamPart>,
  options: { readonly name?: string } = {},
): AsyncGenerator<Buffer> {
  const name = options.name ?? 'gzip data';
  const ready: Buffer[] = [];
  const inFlight: Promise<Buffer>[] = [];
  let run: { level: number; chunks: Buffer[]; size: number } | undefined;

  const compress = async (): Promise<void> => {
    if (run === undefined || run.size === 0) return;
    const member = gzipBuffer(Buffer.concat(run.chunks, run.size), run.level, { name });
    // Awaited in order below; a failure meanwhile is not an unhandled rejection.
    member.catch(() => undefined);
    inFlight.push(member);
    run = undefined;
    while (inFlight.length > IN_FLIGHT) ready.push(await (inFlight.shift() as Promise<Buffer>));
  };
  const add = async (level: number, bytes: Buffer): Promise<void> => {
    let left = bytes;
    while (left.length > 0) {
      if (run !== undefined && run.level !== level) await compress();
      run ??= { level, chunks: [], size: 0 };
      const take = left.subarray(0, MEMBER_SIZE - run.size);
      run.chunks.push(take);
      run.size += take.length;
      left = left.subarray(take.length);
      if (run.size === MEMBER_SIZE) await compress();
    }
  };

  for await (const part of parts) {
    if (part.kind === 'members') {
      await compress();
      for (const member of inFlight.splice(0)) ready.push(await member);
      ready.push(...(await part.members));
      yield* ready.splice(0);
      continue;
    }
    const levels = new PartLevels(part.kind, name, compress);
    for await (const chunk of part.chunks) {
      await levels.push(chunk, add);
      yield* ready.splice(0);
    }
    await levels.end(add);
    if (levels.isApart) await compress();
    yield* ready.splice(0);
  }
  await compress();
  yield* ready.splice(0);
  for (const member of inFlight.splice(0)) yield await member;
}

/**
 * The members gzipMembers makes of one data part of at least BLOCK_SIZE
 * bytes, made now, for a `members` part later: a part that long has
 * members of its own, so they are the same bytes either way.
 */
export async function partMembers(
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
  options: { readonly name?: string } = {},
): Promise<Buffer[]> {
  const members: Buffer[] = [];
  for await (const member of gzipMembers([{ kind: 'data', chunks }], options)) members.push(member);
  return members;
}
