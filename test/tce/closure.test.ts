import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { canonicalCycle, depClosure, describeCycle, type FetchDep, orderDeps } from '../../src/tce/closure.js';

const KVER = '3.0.21-tinycore';

/** A fetchDep over `.dep` texts; absent names are 404s. Records the requests. */
function mirror(depFiles: Record<string, string>): FetchDep & { calls: string[]; depFiles: Record<string, string> } {
  const calls: string[] = [];
  const fetchDep = async (name: string) => {
    calls.push(name);
    return depFiles[name] ?? null;
  };
  return Object.assign(fetchDep, { calls, depFiles });
}

describe('depClosure', () => {
  it('orders deps before dependants and fetches in depth-first discovery order', async () => {
    const fetchDep = mirror({
      'ruby.tcz': 'openssl-1.0.0.tcz\ngcc_libs.tcz\n',
      'openssl-1.0.0.tcz': 'libssl-0.9.8.tcz\n',
      'libssl-0.9.8.tcz': 'gcc_libs.tcz\n',
      'openssh.tcz': 'openssl-1.0.0.tcz\n',
    });
    const result = await depClosure(['openssh.tcz', 'ruby.tcz', 'bash.tcz'], fetchDep, { kernelVersion: KVER });
    expect(result.loadOrder).toEqual([
      'gcc_libs.tcz',
      'libssl-0.9.8.tcz',
      'openssl-1.0.0.tcz',
      'openssh.tcz',
      'ruby.tcz',
      'bash.tcz',
    ]);
    expect(result.discoveryOrder).toEqual([
      'openssh.tcz',
      'openssl-1.0.0.tcz',
      'libssl-0.9.8.tcz',
      'gcc_libs.tcz',
      'ruby.tcz',
      'bash.tcz',
    ]);
    expect(result.cycles).toEqual([]);
    expect([...fetchDep.calls].sort()).toEqual([...result.loadOrder].sort());
    expect(result.deps.get('bash.tcz')).toEqual([]);
  });

  it('tells onName each name once, KERNEL substituted, before its .dep is asked for', async () => {
    const events: string[] = [];
    const depFiles: Record<string, string> = {
      'lshw.tcz': 'gcc_libs.tcz\nscsi-KERNEL.tcz\n',
      'ruby.tcz': 'gcc_libs.tcz\n',
      'gcc_libs.tcz': 'lshw.tcz\n',
    };
    const fetchDep: FetchDep = async (name) => {
      events.push(`dep ${name}`);
      return depFiles[name] ?? null;
    };
    const result = await depClosure(['lshw.tcz', 'ruby.tcz'], fetchDep, {
      kernelVersion: KVER,
      onName: (name) => events.push(`name ${name}`),
    });
    const named = events.filter((e) => e.startsWith('name ')).map((e) => e.slice(5));
    expect([...named].sort()).toEqual([...result.discoveryOrder].sort());
    for (const name of named) expect(events.indexOf(`name ${name}`)).toBeLessThan(events.indexOf(`dep ${name}`));
    expect(named).toContain(`scsi-${KVER}.tcz`);
  });

  it('substitutes KERNEL in .dep lines and in roots', async () => {
    const fetchDep = mirror({ 'lshw.tcz': 'gcc_libs.tcz\r\n  scsi-KERNEL.tcz\r\n' });
    const result = await depClosure(['lshw.tcz', 'usb-KERNEL.tcz'], fetchDep, { kernelVersion: KVER });
    expect(result.loadOrder).toEqual(['gcc_libs.tcz', `scsi-${KVER}.tcz`, 'lshw.tcz', `usb-${KVER}.tcz`]);
    expect(fetchDep.calls).toContain(`scsi-${KVER}.tcz`);
    expect(fetchDep.calls).not.toContain('scsi-KERNEL.tcz');
  });

  it('asks for every name without KERNEL while the version is pending, the KERNEL ones once it is known', async () => {
    const fetchDep = mirror({
      'lshw.tcz': 'gcc_libs.tcz\nscsi-KERNEL.tcz\n',
      'gcc_libs.tcz': 'glibc.tcz\n',
      [`scsi-${KVER}.tcz`]: 'firmware.tcz\n',
    });
    let resolve: (version: string) => void = () => {};
    const version = new Promise<string>((r) => {
      resolve = r;
    });
    const running = depClosure(['usb-KERNEL.tcz', 'lshw.tcz'], fetchDep, { kernelVersion: version });
    // No answer depends on the version until it comes: wait until the requests stop growing.
    for (let seen = -1; seen !== fetchDep.calls.length; ) {
      seen = fetchDep.calls.length;
      await new Promise((r) => setImmediate(r));
    }
    expect([...fetchDep.calls].sort()).toEqual(['gcc_libs.tcz', 'glibc.tcz', 'lshw.tcz']);
    resolve(KVER);
    const result = await running;
    const known = await depClosure(['usb-KERNEL.tcz', 'lshw.tcz'], mirror(fetchDep.depFiles), { kernelVersion: KVER });
    expect(result).toEqual(known);
    expect(result.discoveryOrder).toEqual([
      `usb-${KVER}.tcz`,
      'lshw.tcz',
      'gcc_libs.tcz',
      'glibc.tcz',
      `scsi-${KVER}.tcz`,
      'firmware.tcz',
    ]);
  });

  it('a failure while the version is pending is thrown without waiting for it', async () => {
    const fetchDep: FetchDep = async (name) => {
      if (name === 'typo.tcz') throw new Error('404 typo.tcz');
      return name === 'lshw.tcz' ? 'scsi-KERNEL.tcz\n' : null;
    };
    const never = new Promise<string>(() => {});
    await expect(
      depClosure(['lshw.tcz', 'wifi-KERNEL.tcz', 'typo.tcz'], fetchDep, { kernelVersion: never }),
    ).rejects.toThrow('404 typo.tcz');
  });

  it('a kernel version that cannot be had fails the walk', async () => {
    const fetchDep = mirror({ 'lshw.tcz': 'scsi-KERNEL.tcz\n' });
    const failed = Promise.reject(new Error('no ISO'));
    await expect(depClosure(['lshw.tcz'], fetchDep, { kernelVersion: failed })).rejects.toThrow('no ISO');
  });

  it('tolerates cycles, reporting each once', async () => {
    const fetchDep = mirror({
      'procps.tcz': 'ncurses.tcz',
      'ncurses.tcz': 'ncurses-common.tcz',
      'ncurses-common.tcz': 'ncurses.tcz',
      'self.tcz': 'self.tcz',
    });
    const result = await depClosure(['procps.tcz', 'ncurses-common.tcz', 'self.tcz'], fetchDep, {
      kernelVersion: KVER,
    });
    expect(result.loadOrder).toEqual(['ncurses-common.tcz', 'ncurses.tcz', 'procps.tcz', 'self.tcz']);
    expect(result.cycles).toEqual([
      ['ncurses.tcz', 'ncurses-common.tcz', 'ncurses.tcz'],
      ['self.tcz', 'self.tcz'],
    ]);
    expect(describeCycle(result.cycles[0] ?? [])).toBe(
      "dependency loop: ncurses.tcz → ncurses-common.tcz → ncurses.tcz (Tiny Core's tce-load recurses forever on it at boot)",
    );
    expect(fetchDep.calls.filter((n) => n === 'ncurses.tcz')).toHaveLength(1);
  });

  it('tells a loop the same way whichever name a walk entered it by', () => {
    const loop = ['ncurses.tcz', 'ncurses-common.tcz', 'ncurses.tcz'];
    expect(canonicalCycle(loop)).toEqual(['ncurses-common.tcz', 'ncurses.tcz', 'ncurses-common.tcz']);
    expect(canonicalCycle(['ncurses-common.tcz', 'ncurses.tcz', 'ncurses-common.tcz'])).toEqual(canonicalCycle(loop));
    expect(canonicalCycle(['c', 'a', 'b', 'c'])).toEqual(['a', 'b', 'c', 'a']);
    expect(canonicalCycle(['self.tcz', 'self.tcz'])).toEqual(['self.tcz', 'self.tcz']);
  });

  it('propagates a fetch failure after everything in flight settled', async () => {
    const fetchDep: FetchDep = async (name) => {
      if (name === 'b.tcz') throw new Error('boom');
      return name === 'a.tcz' ? 'b.tcz\nc.tcz' : null;
    };
    await expect(depClosure(['a.tcz'], fetchDep, { kernelVersion: KVER })).rejects.toThrow('boom');
  });

  it('rejects a hostile .dep naming the file', async () => {
    const fetchDep = mirror({ 'a.tcz': '../../x.tcz' });
    await expect(depClosure(['a.tcz'], fetchDep, { kernelVersion: KVER })).rejects.toThrow(InputError);
    await expect(depClosure(['a.tcz'], fetchDep, { kernelVersion: KVER })).rejects.toThrow('a.tcz.dep:1:');
  });

  it('rejects a bad root name', async () => {
    await expect(depClosure(['a b.tcz'], mirror({}), { kernelVersion: KVER })).rejects.toThrow(InputError);
  });
});

const NAMES = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((n) => `${n}.tcz`);
/** A random dependency graph over NAMES: for each name, a .dep text or none (404). */
const graph = fc.array(fc.option(fc.uniqueArray(fc.constantFrom(...NAMES), { maxLength: 4 })), {
  minLength: NAMES.length,
  maxLength: NAMES.length,
});
const roots = fc.uniqueArray(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 4 });

function depMap(g: readonly (readonly string[] | null)[]): Map<string, readonly string[]> {
  return new Map(NAMES.map((n, i) => [n, g[i] ?? []]));
}

function reachable(from: readonly string[], deps: ReadonlyMap<string, readonly string[]>): Set<string> {
  const seen = new Set<string>();
  const todo = [...from];
  for (let n = todo.pop(); n !== undefined; n = todo.pop()) {
    if (seen.has(n)) continue;
    seen.add(n);
    todo.push(...(deps.get(n) ?? []));
  }
  return seen;
}

describe('closure properties', () => {
  it('each reachable name exactly once; deps first unless the edge closes a reported cycle', () => {
    fc.assert(
      fc.property(graph, roots, (g, rs) => {
        const deps = depMap(g);
        const { loadOrder, discoveryOrder, cycles } = orderDeps(rs, deps);
        const expected = reachable(rs, deps);
        expect(new Set(loadOrder)).toEqual(expected);
        expect(loadOrder).toHaveLength(expected.size);
        expect([...discoveryOrder].sort()).toEqual([...loadOrder].sort());
        expect(discoveryOrder[0]).toBe(rs[0]);
        const backEdges = new Set(cycles.map((c) => `${c.at(-2)}>${c.at(-1)}`));
        loadOrder.forEach((name, i) => {
          for (const dep of deps.get(name) ?? []) {
            if (!backEdges.has(`${name}>${dep}`)) expect(loadOrder.indexOf(dep)).toBeLessThan(i);
          }
        });
        for (const c of cycles) {
          expect(c[0]).toBe(c.at(-1));
          for (let i = 0; i + 1 < c.length; i++) expect(deps.get(c[i] ?? '')).toContain(c[i + 1]);
        }
      }),
    );
  });

  it('an acyclic graph has no cycles and strict deps-first order', () => {
    // Edges only point to names earlier in NAMES: a DAG.
    const dag = graph.map((g) => g.map((ds, i) => ds?.filter((d) => NAMES.indexOf(d) < i) ?? null));
    fc.assert(
      fc.property(dag, roots, (g, rs) => {
        const deps = depMap(g);
        const { loadOrder, cycles } = orderDeps(rs, deps);
        expect(cycles).toEqual([]);
        loadOrder.forEach((name, i) => {
          for (const dep of deps.get(name) ?? []) expect(loadOrder.indexOf(dep)).toBeLessThan(i);
        });
      }),
    );
  });

  it('the walk does not depend on the order answers arrive in, asks once per name, and respects concurrency', async () => {
    await fc.assert(
      fc.asyncProperty(graph, roots, fc.integer({ min: 1, max: 3 }), fc.scheduler(), async (g, rs, limit, s) => {
        const texts = new Map(NAMES.flatMap((n, i) => (g[i] ? [[n, g[i].join('\n')] as const] : [])));
        const calls: string[] = [];
        let active = 0;
        let peak = 0;
        const fetchDep: FetchDep = async (name) => {
          calls.push(name);
          active++;
          peak = Math.max(peak, active);
          const text = await s.schedule(Promise.resolve(texts.get(name) ?? null), name);
          active--;
          return text;
        };
        const running = depClosure(rs, fetchDep, { kernelVersion: KVER, concurrency: limit });
        await s.waitFor(running);
        const result = await running;
        const expected = orderDeps(rs, depMap(g));
        expect(result.loadOrder).toEqual(expected.loadOrder);
        expect(result.discoveryOrder).toEqual(expected.discoveryOrder);
        expect(result.cycles).toEqual(expected.cycles);
        expect(calls.length).toBe(new Set(calls).size);
        expect(peak).toBeLessThanOrEqual(limit);
      }),
    );
  });
});
