import { open, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * At most one QEMU guest per core on this machine, across test processes:
 * software emulation keeps a core busy, and more guests than cores only
 * makes each slower. A slot is a lock file holding its owner's pid; a slot
 * whose owner is gone is taken over.
 */
const slotPath = (n: number): string => join(tmpdir(), `mkbundle-qemu-guest.${n}.lock`);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function tryLock(path: string): Promise<boolean> {
  try {
    const handle = await open(path, 'wx');
    await handle.writeFile(String(process.pid));
    await handle.close();
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const owner = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    // An empty file is a lock being written right now; only a dead owner's lock is stale.
    if (Number.isInteger(owner) && !alive(owner)) await rm(path, { force: true });
    return false;
  }
}

async function takeSlot(slots: number): Promise<string | undefined> {
  for (let n = 0; n < slots; n++) if (await tryLock(slotPath(n))) return slotPath(n);
  return undefined;
}

/** Runs `fn` holding one of the machine's guest slots (one per core), waiting up to `waitMs` for one. */
export async function withGuestLock<T>(waitMs: number, fn: () => Promise<T>): Promise<T> {
  const slots = Math.max(1, availableParallelism());
  const deadline = Date.now() + waitMs;
  let slot = await takeSlot(slots);
  while (slot === undefined) {
    if (Date.now() > deadline) throw new Error(`all ${slots} QEMU guest slots stayed taken for over ${waitMs} ms`);
    await sleep(250);
    slot = await takeSlot(slots);
  }
  try {
    return await fn();
  } finally {
    await rm(slot, { force: true });
  }
}
