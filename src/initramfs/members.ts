import type { CpioChunk } from '../archive/cpio-write.js';

/**
 * cpio bytes per gzip member: small enough that two members in flight stay a
 * few tens of MiB, large enough that the cuts cost nothing measurable
 * (8 MiB members of a real-scale bundle are as small as one member).
 */
export const MEMBER_SIZE = 8 * 1024 * 1024;

/** Bytes of the archive and the gzip member they go into (0, 1, …, in order). */
export interface MemberPiece {
  readonly member: number;
  readonly data: Buffer;
}

/**
 * Assigns the archive's bytes to gzip members cut only before a record or at
 * the end, where Linux's initramfs unpacker is between entries: a member
 * ending inside an entry stops the unpacking ("Initramfs unpacking failed:
 * junk at the end of compressed archive"). A member takes records while they
 * fit in `size` bytes; a record longer than `size` is a member of its own. The cuts depend on the record
 * lengths alone, never on how the bytes were chunked or on timing. Chunks
 * that do not add up to their records are refused (an Error: a writer's bug).
 */
export async function* cutMembers(
  chunks: AsyncIterable<CpioChunk>,
  size: number,
  name: string,
): AsyncGenerator<MemberPiece> {
  if (!Number.isSafeInteger(size) || size < 1)
    throw new RangeError(`member size must be a positive integer, got ${size}`);
  let member = 0;
  let inMember = 0;
  /** Bytes still owed to the record being read. */
  let owed = 0;
  for await (const { data, record } of chunks) {
    if (record !== undefined) {
      if (owed !== 0) throw new Error(`${name}: a record starts ${owed} bytes before the end of the one before it`);
      if (inMember > 0 && inMember + record > size) {
        member += 1;
        inMember = 0;
      }
      owed = record;
    }
    if (data.length > owed) throw new Error(`${name}: ${data.length - owed} bytes run past the end of their record`);
    owed -= data.length;
    inMember += data.length;
    if (data.length > 0) yield { member, data };
  }
  if (owed !== 0) throw new Error(`${name}: the archive ends ${owed} bytes before the end of its last record`);
}
