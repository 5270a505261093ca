import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDynamicObject, readSharedObject } from '../../src/initramfs/elf.js';
import { buildLib } from './ldcache-helpers.js';

/** Executables built by the host's gcc without a C library: what verify reads of ELF files that are no library. */
let work: string;
let library: string;

const CALLS_LIBRARY =
  'extern int mkbundle_test_symbol(void);\nvoid _start(void) { mkbundle_test_symbol(); for (;;); }\n';

async function executable(name: string, flags: readonly string[], code = CALLS_LIBRARY): Promise<Buffer> {
  const source = join(work, `${name}.c`);
  await writeFile(source, code);
  const out = join(work, name);
  await execa('gcc', ['-nostdlib', '-o', out, source, ...flags]);
  return readFile(out);
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mk-elf-dynamic-'));
  library = join(work, 'libprobe.so.1');
  await buildLib(library, { soname: 'libprobe.so.1' });
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('readDynamicObject', () => {
  it('reads a position-independent executable: interpreter, DT_NEEDED, DT_RUNPATH', async () => {
    const data = await executable('pie', [
      library,
      '-Wl,--dynamic-linker=/lib/ld-probe.so',
      '-Wl,-rpath,$ORIGIN/../lib:/opt/lib',
      '-Wl,--enable-new-dtags',
    ]);
    expect(readDynamicObject(data)).toEqual({
      type: 'dyn',
      elfClass: 64,
      machine: 62,
      interpreter: '/lib/ld-probe.so',
      names: [{ tag: 'needed', name: 'libprobe.so.1' }],
      runpath: ['$ORIGIN/../lib', '/opt/lib'],
      rpath: undefined,
    });
  });

  it('reads a fixed-address executable and DT_RPATH; ldconfig never takes it for a library', async () => {
    const data = await executable('exec', ['-no-pie', library, '-Wl,-rpath,/usr/local/lib', '-Wl,--disable-new-dtags']);
    expect(readDynamicObject(data)).toMatchObject({ type: 'exec', runpath: undefined, rpath: ['/usr/local/lib'] });
    expect(readSharedObject(data)).toBeUndefined();
  });

  it('has nothing to say of a static executable', async () => {
    expect(
      readDynamicObject(await executable('static', ['-static'], 'void _start(void) { for (;;); }\n')),
    ).toBeUndefined();
  });

  it('never throws on truncated or corrupted executables', async () => {
    const data = await executable('fuzz', [library, '-Wl,-rpath,/x']);
    fc.assert(
      fc.property(
        fc.nat({ max: data.length }),
        fc.array(fc.tuple(fc.nat({ max: data.length - 1 }), fc.nat({ max: 255 })), { maxLength: 8 }),
        (length, flips) => {
          const copy = Buffer.from(data.subarray(0, length));
          for (const [at, value] of flips) if (at < copy.length) copy[at] = value;
          const result = readDynamicObject(copy);
          if (result !== undefined) expect(['exec', 'dyn']).toContain(result.type);
        },
      ),
    );
  });
});
