import { EM_386, EM_X86_64, readSharedObject, type SharedObject } from './elf.js';

/**
 * What x86 ldconfig makes of one file, as glibc 2.36's does (checked against
 * Debian 12's): the cache flags and the DT_SONAME. The flag values are
 * glibc's `dl-cache.h` ones, shown by `ldconfig -p` as `(ELF)`, `(libc6)`,
 * `(libc6,x86-64)`, `(libc6,x32)`; ld.so on i386 accepts both ELF and libc6.
 */

export const FLAG_ELF = 0x0001;
export const FLAG_ELF_LIBC5 = 0x0002;
export const FLAG_ELF_LIBC6 = 0x0003;
export const FLAG_X8664_LIB64 = 0x0300;
export const FLAG_X8664_LIBX32 = 0x0800;

export interface Library {
  readonly flag: number;
  /** DT_SONAME; undefined when the object has none (ldconfig then uses the file name). */
  readonly soname: string | undefined;
}

/** An i386 object is libc6 when its interpreter or a DT_NEEDED is one of these (ldconfig's `known_names`). */
const LIBC6_INTERPRETERS = new Set([
  '/lib/ld-linux.so.2',
  '/lib/ld-linux-x86-64.so.2',
  '/libx32/ld-linux-x32.so.2',
  '/lib64/ld-linux-x86-64.so.2',
]);
const LIBC6_LIBRARIES = new Set(['libc.so.6', 'libm.so.6']);

/**
 * The library a file holds, or undefined when ldconfig skips it: not ELF,
 * not ET_DYN, no dynamic section or string table, truncated, or for a
 * machine other than i386 / x86-64 / x32.
 */
export function readLibrary(data: Buffer): Library | undefined {
  const object = readSharedObject(data);
  if (object === undefined) return undefined;
  const { flag, soname } = classify(object);
  if (object.machine === EM_X86_64) {
    return { flag: FLAG_ELF_LIBC6 | (object.elfClass === 64 ? FLAG_X8664_LIB64 : FLAG_X8664_LIBX32), soname };
  }
  return object.machine === EM_386 && object.elfClass === 32 ? { flag, soname } : undefined;
}

/**
 * ldconfig's generic pass: libc6 when the interpreter or a DT_NEEDED says
 * so, plain ELF otherwise. It walks the dynamic entries in order and stops
 * once it has both a soname and a classification, so of several DT_SONAMEs
 * it may keep an early one.
 */
function classify(object: SharedObject): Library {
  let flag = object.interpreter !== undefined && LIBC6_INTERPRETERS.has(object.interpreter) ? FLAG_ELF_LIBC6 : FLAG_ELF;
  let soname: string | undefined;
  for (const entry of object.names) {
    if (entry.tag === 'soname') soname = entry.name;
    else if (flag === FLAG_ELF && LIBC6_LIBRARIES.has(entry.name)) flag = FLAG_ELF_LIBC6;
    if (soname !== undefined && flag !== FLAG_ELF) break;
  }
  return { flag, soname };
}
