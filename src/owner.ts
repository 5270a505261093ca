/**
 * Which process made a temp file or scratch directory, written into its
 * name, so that a later run tells the leftovers of a killed run (SIGKILL,
 * the OOM killer) from the work of a live one without any lock.
 *
 * The tag is `PID.START.BOOT`: the pid, the process's start time in clock
 * ticks since boot (field 22 of /proc/PID/stat: a reused pid starts later),
 * and the first 8 hex digits of the kernel's boot id (a cache shared over NFS
 * or kept across a reboot holds tags of other boots, whose pids say nothing
 * here). Without /proc both are 0 and no owner is ever judged gone.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** The tag's shape inside a name. */
export const OWNER_TAG = String.raw`\d+\.\d+\.[0-9a-f]+`;

const BOOT_ID = '/proc/sys/kernel/random/boot_id';
const UNKNOWN = '0';

let own: string | undefined;

/** This process's tag. */
export function ownerTag(): string {
  own ??= `${process.pid}.${startOf(readOr(`/proc/${process.pid}/stat`))}.${bootOf(readOr(BOOT_ID))}`;
  return own;
}

/**
 * The process that wrote `tag` has ended: it ran on this boot, and its pid
 * is gone or now names a process that started at another time. False when
 * that cannot be known (another boot or machine, no /proc). Only for this
 * user's files: /proc may hide other users' processes (hidepid).
 */
export async function ownerIsGone(tag: string): Promise<boolean> {
  const [pid, start, boot] = tag.split('.');
  const ours = ownerTag().split('.')[2];
  if (pid === undefined || start === UNKNOWN || boot !== ours || ours === UNKNOWN) return false;
  try {
    return startOf(await readFile(`/proc/${pid}/stat`, 'utf8')) !== start;
  } catch (error) {
    // Not there: ended. Anything else (hidden, unreadable) cannot tell.
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Field 22 of /proc/PID/stat, counted after the `(comm)` field, which may hold spaces and parentheses. */
function startOf(stat: string): string {
  const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  return start !== undefined && /^\d+$/.test(start) ? start : UNKNOWN;
}

function bootOf(bootId: string): string {
  const hex = bootId.replace(/[^0-9a-f]/g, '').slice(0, 8);
  return hex.length === 8 ? hex : UNKNOWN;
}
