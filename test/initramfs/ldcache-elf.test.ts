import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSharedObject } from '../../src/initramfs/elf.js';
import { FLAG_ELF, FLAG_ELF_LIBC6, FLAG_X8664_LIB64, readLibrary } from '../../src/initramfs/ldlib.js';
import { buildLib, type LibSpec } from './ldcache-helpers.js';

let work: string;
const built = new Map<string, Buffer>();

async function lib(name: string, spec: LibSpec): Promise<Buffer> {
  const cached = built.get(name);
  if (cached !== undefined) return cached;
  await buildLib(join(work, name), spec);
  const data = await readFile(join(work, name));
  built.set(name, data);
  return data;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mk-ldcache-elf-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('readLibrary on x86-64 objects', () => {
  it('reads the soname and classifies by machine', async () => {
    const data = await lib('libfoo.so.1.2.3', { soname: 'libfoo.so.1' });
    expect(readLibrary(data)).toEqual({ flag: FLAG_ELF_LIBC6 | FLAG_X8664_LIB64, soname: 'libfoo.so.1' });
    expect(readSharedObject(data)).toMatchObject({ elfClass: 64, machine: 62, interpreter: undefined });
  });

  it('has no soname for an object linked without one', async () => {
    expect(readLibrary(await lib('libnosoname.so', {}))?.soname).toBeUndefined();
  });

  it('lists DT_NEEDED and DT_SONAME in file order', async () => {
    await lib('libdep.so.7', { soname: 'libdep.so.7' });
    const data = await lib('libuser.so.1', { soname: 'libuser.so.1', needs: [join(work, 'libdep.so.7')] });
    expect(readSharedObject(data)?.names).toEqual([
      { tag: 'needed', name: 'libdep.so.7' },
      { tag: 'soname', name: 'libuser.so.1' },
    ]);
  });

  it('never throws on truncated or corrupted objects', async () => {
    const data = await lib('libfoo.so.1.2.3', { soname: 'libfoo.so.1' });
    fc.assert(
      fc.property(
        fc.nat({ max: data.length }),
        fc.array(fc.tuple(fc.nat({ max: data.length - 1 }), fc.nat({ max: 255 })), { maxLength: 8 }),
        (length, flips) => {
          const copy = Buffer.from(data.subarray(0, length));
          for (const [at, value] of flips) if (at < copy.length) copy[at] = value;
          const result = readLibrary(copy);
          if (result !== undefined) expect(typeof result.flag).toBe('number');
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('readLibrary on i386 objects', () => {
  it('is plain ELF unless the interpreter or a DT_NEEDED says libc6', async () => {
    const libc = await lib('libc-2.13.so', { m32: true, soname: 'libc.so.6', interpreter: '/lib/ld-linux.so.2' });
    expect(readLibrary(libc)).toEqual({ flag: FLAG_ELF_LIBC6, soname: 'libc.so.6' });
    expect(readLibrary(await lib('libplain.so.1', { m32: true, soname: 'libplain.so.1' }))?.flag).toBe(FLAG_ELF);
    await lib('libc-stub.so', { m32: true, soname: 'libc.so.6' });
    const user = await lib('libuser32.so.1', {
      m32: true,
      soname: 'libuser32.so.1',
      needs: [join(work, 'libc-stub.so')],
    });
    expect(readLibrary(user)).toEqual({ flag: FLAG_ELF_LIBC6, soname: 'libuser32.so.1' });
  });
});

describe('readLibrary on other files', () => {
  it('skips non-ELF files, linker scripts and empty files', () => {
    expect(readLibrary(Buffer.from('/* GNU ld script */\nGROUP ( /lib/libc.so.6 )\n'))).toBeUndefined();
    expect(readLibrary(Buffer.alloc(0))).toBeUndefined();
    expect(readLibrary(Buffer.from('\x7fELF'))).toBeUndefined();
  });

  it('skips executables that are not ET_DYN', async () => {
    const data = Buffer.from(await lib('libfoo.so.1.2.3', { soname: 'libfoo.so.1' }));
    data.writeUInt16LE(2, 16);
    expect(readLibrary(data)).toBeUndefined();
  });

  it('skips objects for other machines', async () => {
    const data = Buffer.from(await lib('libfoo.so.1.2.3', { soname: 'libfoo.so.1' }));
    data.writeUInt16LE(183, 18);
    expect(readLibrary(data)).toBeUndefined();
  });
});
