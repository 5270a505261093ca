import { type IntegrityError, LockDriftError, LockError } from '../errors.js';
import type { Lock } from './lock.js';

/** What a fetch found, for the lock to compare: null for an optional file that is not there. */
export type Found = { readonly size: number; readonly sha256: string } | null;

/** The lists a run was given, as the lock records them. */
export interface LockLists {
  readonly builtin: readonly string[];
  readonly mirror: readonly string[];
}

const UPDATE = 'run without --frozen to update the lock';

function listChange(file: string, list: 'builtin' | 'mirror', locked: readonly string[], now: readonly string[]) {
  const added = now.filter((name) => !locked.includes(name));
  const dropped = locked.filter((name) => !now.includes(name));
  const change = [
    ...(added.length > 0 ? [`adds ${added.join(', ')}`] : []),
    ...(dropped.length > 0 ? [`drops ${dropped.join(', ')}`] : []),
  ];
  const what = change.length > 0 ? change.join(' and ') : 'orders its entries differently';
  return new LockError(`--frozen: the ${list} list ${what} since ${file} was written; ${UPDATE}`);
}

/**
 * `--frozen`: every input must be the one the lock recorded. The lists are
 * checked before the first request; each fetched input as it comes in.
 */
export class FrozenInputs {
  private readonly inputs: ReadonlyMap<string, { readonly size: number; readonly sha256: string }>;
  private readonly absent: ReadonlySet<string>;
  private readonly gems: ReadonlyMap<string, string>;

  constructor(
    private readonly lock: Lock,
    /** The lockfile, for messages. */
    readonly file: string,
  ) {
    this.inputs = new Map(lock.inputs.map((input) => [input.url, input]));
    this.absent = new Set(lock.absent);
    this.gems = new Map(lock.gems.map((gem) => [gem.name, gem.version]));
  }

  /** The run's lists and `--no-deps` against the lock's: a LockError (exit 2) before any request. */
  checkLists(lists: LockLists, followDeps: boolean): void {
    for (const list of ['builtin', 'mirror'] as const) {
      const locked = this.lock.lists[list];
      const now = lists[list];
      if (locked.length !== now.length || locked.some((name, i) => name !== now[i])) {
        throw listChange(this.file, list, locked, now);
      }
    }
    if (followDeps !== this.lock.followDeps) {
      const was = this.lock.followDeps ? 'with' : 'without';
      throw new LockError(`--frozen: ${this.file} was written ${was} the .dep closure; ${UPDATE} or match --deps`);
    }
  }

  /** What the lock has for an input (redacted URL): the download must match it before the cache keeps it. */
  expected(url: string): { readonly size: number; readonly sha256: string } | undefined {
    return this.inputs.get(url);
  }

  /** The cache's mismatch for a locked input, as the drift it is. */
  drifted(url: string, mismatch: IntegrityError): LockDriftError {
    const detail = mismatch.message.startsWith(`${url}: `) ? mismatch.message.slice(url.length + 2) : mismatch.message;
    return new LockDriftError(`--frozen: ${url} changed since ${this.file} was written (${detail}); ${UPDATE}`, {
      cause: mismatch,
    });
  }

  /** Throws a LockDriftError when a fetched input (redacted URL) is not the locked one. */
  check(url: string, found: Found): void {
    const locked = this.inputs.get(url);
    if (found === null) {
      if (locked !== undefined) throw new LockDriftError(`--frozen: ${url} is gone (404); ${this.file} has it`);
      if (!this.absent.has(url)) throw new LockDriftError(`--frozen: ${url} is not in ${this.file}; ${UPDATE}`);
      return;
    }
    if (locked === undefined) {
      const why = this.absent.has(url) ? `exists now; ${this.file} records it absent` : `is not in ${this.file}`;
      throw new LockDriftError(`--frozen: ${url} ${why}; ${UPDATE}`);
    }
    if (locked.sha256 !== found.sha256 || locked.size !== found.size) {
      throw new LockDriftError(
        `--frozen: ${url} changed since ${this.file} was written (sha256 ${locked.sha256}, ${locked.size} bytes; now ${found.sha256}, ${found.size} bytes); ${UPDATE}`,
      );
    }
  }

  /** The version the lock has for a gem; a gem it lacks is a new dependency. */
  gemVersion(name: string): string {
    const version = this.gems.get(name);
    if (version === undefined) throw new LockDriftError(`--frozen: gem ${name} is not in ${this.file}; ${UPDATE}`);
    return version;
  }
}
