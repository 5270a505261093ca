import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from '../../src/archive/atomic.js';
import { gzipStream } from '../../src/archive/gzip.js';
import { tarStream, writeTarGz } from '../../src/archive/tar-write.js';
import { walkTree } from '../../src/overlay/entries.js';
import { median } from './measure.js';

export interface WriterFigures {
  readonly tarBytes: number;
  readonly old: { readonly size: number; readonly wallMs: number; readonly cpuMs: number };
  readonly members: { readonly size: number; readonly wallMs: number; readonly cpuMs: number };
}

const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/**
 * The tarball of `tree` written by the old writer (one zlib -9 stream) and
 * by writeTarGz (libdeflate members), alternating, `rounds` times each:
 * sizes, and median wall and CPU (this process's, thread pool included).
 */
export async function compareWriters(tree: string, work: string, rounds: number): Promise<WriterFigures> {
  const entries = await walkTree(tree, '');
  let tarBytes = 0;
  for await (const chunk of tarStream(entries)) tarBytes += (chunk as Buffer).length;
  const runs = { old: [] as { wallMs: number; cpuMs: number }[], members: [] as { wallMs: number; cpuMs: number }[] };
  const sizes = { old: 0, members: 0 };
  const write = {
    old: (dest: string) => writeFileAtomically(dest, tarStream(entries), [gzipStream(9)]),
    members: async (dest: string) => {
      const result = await writeTarGz(dest, entries);
      if (result.encoder !== 'libdeflate') throw new Error(`libdeflate did not load: ${result.fallback}`);
    },
  };
  for (let round = 0; round < rounds; round++) {
    for (const which of round % 2 === 0 ? (['old', 'members'] as const) : (['members', 'old'] as const)) {
      const dest = join(work, `${which}.tar.gz`);
      const cpu = cpuMs();
      const wall = performance.now();
      await write[which](dest);
      runs[which].push({ wallMs: performance.now() - wall, cpuMs: cpuMs() - cpu });
      sizes[which] = (await stat(dest)).size;
      await rm(dest);
    }
  }
  const figures = (which: 'old' | 'members') => ({
    size: sizes[which],
    wallMs: median(runs[which].map((r) => r.wallMs)),
    cpuMs: median(runs[which].map((r) => r.cpuMs)),
  });
  return { tarBytes, old: figures('old'), members: figures('members') };
}
