import { open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * One QEMU guest at a time on this machine, across test processes: software
 * emulation takes a whole core, and two guests on two shared cores make
 * each other miss their timeouts. A lock file holds the owner's pid; a lock
 * whose owner is gone is taken over.
 */
const LOCK = join(tmpdir(), 'mkbundle-qemu-guest.lock');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function tryLock(): Promise<boolean> {
  try {
    const handle = await open(LOCK, 'wx');
    await handle.writeFile(String(process.pid));
    await handle.close();
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const owner = Number.parseInt(await readFile(LOCK, 'utf8').catch(() => ''), 10);
    // An empty file is a lock being written right now; only a dead owner's lock is stale.
    if (Number.isInteger(owner) && !alive(owner)) await rm(LOCK, { force: true });
    return false;
  }
}

/** Runs `fn` holding the machine-wide guest lock, waiting up to `waitMs` for it. */
export async function withGuestLock<T>(waitMs: number, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + waitMs;
  while (!(await tryLock())) {
    if (Date.now() > deadline) throw new Error(`another QEMU guest held ${LOCK} for over ${waitMs} ms`);
    await sleep(250);
  }
  try {
    return await fn();
  } finally {
    await rm(LOCK, { force: true });
  }
}
