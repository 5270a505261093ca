import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type FactsOptions, fileFacts } from './facts.js';
import { type Listed, nestedPath } from './listed.js';

export interface ListOptions {
  /** Also hash the decompressed bytes of gzip files and `.rz` files. */
  readonly decompressed?: boolean;
  /**
   * Files whose content is listed too, as `OUTER:/INNER` (a squashfs image,
   * a tar or a cpio, gzipped or not), decided from the path and the first
   * bytes; each level is asked again, to `maxDepth` levels in all.
   */
  readonly nested?: (path: string, head: Buffer) => boolean;
  /** How many levels of containers to open (default 3). */
  readonly maxDepth?: number;
}

/** One listing in progress: its options, how deep it is, where nested files are spooled and how they are opened. */
export interface ListContext {
  readonly options: ListOptions;
  readonly depth: number;
  readonly scratch: () => Promise<string>;
  /** The listing of a container file, undefined when it is none. */
  readonly listContainer: (file: string, name: string, ctx: ListContext) => Promise<Map<string, Listed> | undefined>;
}

let spoolCount = 0;

/**
 * Adds one file to `out`: its facts, read once from `chunks`, and the
 * listing of what it holds when it is a container the options open.
 */
export async function addFile(
  out: Map<string, Listed>,
  path: string,
  meta: Omit<Listed, 'size' | 'sha256' | 'decompressed'>,
  chunks: AsyncIterable<Buffer | Uint8Array>,
  ctx: ListContext,
): Promise<void> {
  const { nested, maxDepth = 3 } = ctx.options;
  const scratch = nested !== undefined && ctx.depth < maxDepth ? await ctx.scratch() : undefined;
  let spooled: string | undefined;
  const facts: FactsOptions = {
    decompressed: ctx.options.decompressed ?? false,
    spool: (head) => {
      if (scratch === undefined || !nested?.(path, head)) return undefined;
      spooled = join(scratch, `nested-${++spoolCount}`);
      return spooled;
    },
  };
  out.set(path, { ...meta, ...(await fileFacts(path, chunks, facts)) });
  if (spooled === undefined) return;
  try {
    const inner = await ctx.listContainer(spooled, path, { ...ctx, depth: ctx.depth + 1 });
    for (const [innerPath, listed] of inner ?? []) out.set(nestedPath(path, innerPath), listed);
  } finally {
    await rm(spooled, { force: true });
  }
}
