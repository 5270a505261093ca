import { quoted } from '../config/quote.js';
import { InputError } from '../errors.js';
import { limiter } from '../fetch/limit.js';
import { hasKernel, parseDepNames, substituteKernel, substituteKernelNames } from './deps.js';
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
  /** Awaited only for `-KERNEL` names: the others are requested before it is known. */
  readonly kernelVersion: string | Promise<string>;
  /** Most `.dep` requests in flight at once. */
  readonly concurrency?: number;
  /**
   * Called once for each name the walk reaches (KERNEL substituted), the
   * moment it is known: before its `.dep` is asked for, so that work on the
   * name can start without waiting for the rest of the closure.
   */
  readonly onName?: (name: string) => void;
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

/**
 * A loop told from its smallest name (`b, a, b` → `a, b, a`): the same loop
 * whichever name a walk entered it by.
 */
export function canonicalCycle(cycle: readonly string[]): string[] {
  const names = cycle.slice(0, -1);
  if (names.length === 0) return [...cycle];
  const first = names.indexOf([...names].sort()[0] as string);
  const rotated = [...names.slice(first), ...names.slice(0, first)];
  return [...rotated, rotated[0] as string];
}

/** tce-load's warning for a loop, e.g. `dependency loop: a.tcz → b.tcz → a.tcz`. */
export function describeCycle(cycle: readonly string[]): string {
  // tce-load keeps no visited set: on the Microkernel this loop recurses until the shell dies.
  return `dependency loop: ${cycle.join(' → ')} (Tiny Core's tce-load recurses forever on it at boot)`;
}

/** `bad extension name` unless `name` (`root` with KERNEL substituted) is usable. */
function checkRoot(root: string, name: string): string {
  const problem = extensionNameProblem(name);
  if (problem !== null) throw new InputError(`bad extension name ${quoted(root)} (${problem})`);
  return name;
}

/**
 * The dependency closure of `roots` (KERNEL substituted). `.dep` files are
 * requested concurrently, each name once; the order is then computed from
 * the graph, so it does not depend on which answer came first. Only the
 * `-KERNEL` names wait for the kernel version, and the first failure ends
 * that wait: a failure is thrown without waiting for the version.
 */
export async function depClosure(
  roots: readonly string[],
  fetchDep: FetchDep,
  options: ClosureOptions,
): Promise<DepClosure> {
  // Every root is checked before any request; the version only matters for its own characters, checked again below.
  for (const root of roots) checkRoot(root, substituteKernel(root, '0'));
  const deps = new Map<string, readonly string[]>();
  const requested = new Set<string>();
  const limit = limiter(options.concurrency ?? 8);
  const pending: Promise<void>[] = [];
  let failure: { error: unknown } | undefined;
  let stop = (): void => {};
  const stopped = new Promise<undefined>((resolve) => {
    stop = () => resolve(undefined);
  });
  const fail = (error: unknown): void => {
    failure ??= { error };
    stop();
  };
  const kernelVersion = Promise.resolve(options.kernelVersion);
  // Undefined once the walk has failed: a failure does not wait for the version.
  const kernel = (): Promise<string | undefined> => Promise.race([kernelVersion, stopped]);

  const request = (name: string): void => {
    if (requested.has(name)) return;
    requested.add(name);
    const job = (async () => {
      if (!failure) options.onName?.(name);
      const written = await limit(async () => {
        // After a failure nothing new is asked for; what is in flight still settles.
        if (failure) return undefined;
        const text = await fetchDep(name);
        return text === null ? [] : parseDepNames(text, `${name}.dep`);
      });
      if (written === undefined) return;
      // Deps without KERNEL are asked for at once; the version is awaited outside the limit, holding no slot.
      for (const dep of written) if (!hasKernel(dep)) request(dep);
      const version = written.some(hasKernel) ? await kernel() : '';
      if (version === undefined) return;
      const direct = substituteKernelNames(written, version);
      deps.set(name, direct);
      for (const dep of direct) request(dep);
    })().catch(fail);
    pending.push(job);
  };

  const starts = (async () => {
    const version = roots.some(hasKernel) ? await kernel() : '';
    if (version === undefined) return [];
    const names = roots.map((root) => (hasKernel(root) ? checkRoot(root, substituteKernel(root, version)) : root));
    for (const name of names) request(name);
    return names;
  })();
  starts.catch(fail);
  // Without KERNEL roots `starts` has requested them all already; with some, the others go now.
  for (const root of roots) if (!hasKernel(root)) request(root);
  // `pending` grows while answers arrive; every job is awaited before deciding.
  const names = await starts.catch(() => []);
  for (let i = 0; i < pending.length; i++) await pending[i];
  if (failure) throw failure.error;
  return { ...orderDeps(names, deps), deps };
}
