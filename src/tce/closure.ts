import { quoted } from '../config/quote.js';
import { InputError } from '../errors.js';
import { limiter } from '../fetch/limit.js';
import { parseDepFile, substituteKernel } from './deps.js';
import { extensionNameProblem } from './name.js';

/** The text of `NAME.tcz.dep`, or null when the mirror has none (404: no deps). */
export type FetchDep = (name: string) => Promise<string | null>;

export interface DepOrder {
  /** Every name reached, deps before their dependants: tce-load's load order. */
  readonly loadOrder: readonly string[];
  /** Every name reached, in the order a depth-first walk first meets it: the order to fetch in. */
  readonly discoveryOrder: readonly string[];
  /** Each loop found, as the path from the repeated name back to itself (`a, b, a`). */
  readonly cycles: readonly (readonly string[])[];
}

export interface DepClosure extends DepOrder {
  /** Direct deps of every name reached, KERNEL substituted. */
  readonly deps: ReadonlyMap<string, readonly string[]>;
}

export interface ClosureOptions {
  readonly kernelVersion: string;
  /** Most `.dep` requests in flight at once. */
  readonly concurrency?: number;
}

/**
 * Depth-first walk from `roots` over `deps` like tce-load: each name once,
 * a loop is recorded and not followed. Pure.
 */
export function orderDeps(roots: readonly string[], deps: ReadonlyMap<string, readonly string[]>): DepOrder {
  const state = new Map<string, 'active' | 'done'>();
  const path: string[] = [];
  const loadOrder: string[] = [];
  const discoveryOrder: string[] = [];
  const cycles: string[][] = [];
  const visit = (name: string): void => {
    const seen = state.get(name);
    if (seen === 'done') return;
    if (seen === 'active') {
      cycles.push([...path.slice(path.indexOf(name)), name]);
      return;
    }
    state.set(name, 'active');
    path.push(name);
    discoveryOrder.push(name);
    for (const dep of deps.get(name) ?? []) visit(dep);
    path.pop();
    state.set(name, 'done');
    loadOrder.push(name);
  };
  for (const root of roots) visit(root);
  return { loadOrder, discoveryOrder, cycles };
}

/** tce-load's warning for a loop, e.g. `dependency loop: a.tcz → b.tcz → a.tcz`. */
export function describeCycle(cycle: readonly string[]): string {
  // tce-load keeps no visited set: on the Microkernel this loop recurses until the shell dies.
  return `dependency loop: ${cycle.join(' → ')} (Tiny Core's tce-load recurses forever on it at boot)`;
}

/**
 * The dependency closure of `roots` (KERNEL substituted). `.dep` files are
 * requested concurrently, each name once; the order is then computed from
 * the graph, so it does not depend on which answer came first.
 */
export async function depClosure(
  roots: readonly string[],
  fetchDep: FetchDep,
  options: ClosureOptions,
): Promise<DepClosure> {
  const { kernelVersion } = options;
  const starts = roots.map((root) => {
    const name = substituteKernel(root, kernelVersion);
    const problem = extensionNameProblem(name);
    if (problem !== null) throw new InputError(`bad extension name ${quoted(root)} (${problem})`);
    return name;
  });
  const deps = new Map<string, readonly string[]>();
  const requested = new Set<string>();
  const limit = limiter(options.concurrency ?? 8);
  const pending: Promise<void>[] = [];
  let failure: { error: unknown } | undefined;

  const request = (name: string): void => {
    if (requested.has(name)) return;
    requested.add(name);
    const job = limit(async () => {
      // After a failure nothing new is asked for; what is in flight still settles.
      if (failure) return;
      const text = await fetchDep(name);
      const direct = text === null ? [] : parseDepFile(text, kernelVersion, `${name}.dep`);
      deps.set(name, direct);
      for (const dep of direct) request(dep);
    }).catch((error: unknown) => {
      failure ??= { error };
    });
    pending.push(job);
  };

  for (const name of starts) request(name);
  // `pending` grows while answers arrive; every job is awaited before deciding.
  for (let i = 0; i < pending.length; i++) await pending[i];
  if (failure) throw failure.error;
  return { ...orderDeps(starts, deps), deps };
}
