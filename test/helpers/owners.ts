import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';

/** An owner tag (see src/owner.ts) read from /proc here, independently of the code under test. */
export function tagOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').replaceAll('-', '').slice(0, 8);
  return `${pid}.${start}.${boot}`;
}

/** A process that waits until stopped, and its tag. */
export async function liveOwner(): Promise<{ readonly tag: string; stop(): Promise<void> }> {
  const child = spawn('sleep', ['600'], { stdio: 'ignore' });
  await once(child, 'spawn');
  const pid = child.pid as number;
  return {
    tag: tagOf(pid),
    stop: async () => {
      child.kill('SIGKILL');
      await once(child, 'exit');
    },
  };
}

/** The tag of a process that has ended. */
export async function deadOwnerTag(): Promise<string> {
  const owner = await liveOwner();
  await owner.stop();
  return owner.tag;
}
