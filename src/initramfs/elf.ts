/**
 * The few facts ldconfig reads from an ELF shared object: class, machine,
 * program interpreter and the DT_NEEDED/DT_SONAME strings, in file order;
 * and for `verify`, the same of executables with their library search path.
 * Only little-endian files are read (x86 is all Tiny Core runs on); anything
 * that is not a well-formed ELF object of the kind asked for is `undefined`.
 */

export const EM_386 = 3;
export const EM_X86_64 = 62;

export interface DynamicName {
  readonly tag: 'needed' | 'soname';
  readonly name: string;
}

export interface SharedObject {
  readonly elfClass: 32 | 64;
  readonly machine: number;
  /** The PT_INTERP string, when the object has one (libc.so.6 does). */
  readonly interpreter: string | undefined;
  readonly names: readonly DynamicName[];
}

const ET_EXEC = 2;
const ET_DYN = 3;
const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT_NULL = 0n;
const DT_NEEDED = 1n;
const DT_STRTAB = 5n;
const DT_SONAME = 14n;
const DT_RPATH = 15n;
const DT_RUNPATH = 29n;

/** A dynamically linked executable or shared object, with what the dynamic loader reads to find its libraries. */
export interface DynamicObject extends SharedObject {
  readonly type: 'exec' | 'dyn';
  /** DT_RUNPATH's directories (`$ORIGIN` unexpanded), when it has one. */
  readonly runpath: readonly string[] | undefined;
  /** DT_RPATH's, which the loader reads only when there is no DT_RUNPATH. */
  readonly rpath: readonly string[] | undefined;
}

/** Field readers for one ELF class; addresses are bigints so 64-bit values stay exact. */
interface Layout {
  readonly elfClass: 32 | 64;
  readonly mask: bigint;
  readonly phoff: (data: Buffer) => bigint;
  readonly phnum: (data: Buffer) => number;
  readonly phentsize: number;
  readonly dynsize: number;
  readonly word: (data: Buffer, at: number) => bigint;
  /** p_type, p_offset, p_vaddr, p_filesz of the program header at `at`. */
  readonly phdr: (data: Buffer, at: number) => { type: number; offset: bigint; vaddr: bigint; filesz: bigint };
}

const ELF32: Layout = {
  elfClass: 32,
  mask: 0xffff_ffffn,
  phoff: (d) => BigInt(d.readUInt32LE(28)),
  phnum: (d) => d.readUInt16LE(44),
  phentsize: 32,
  dynsize: 8,
  word: (d, at) => BigInt(d.readUInt32LE(at)),
  phdr: (d, at) => ({
    type: d.readUInt32LE(at),
    offset: BigInt(d.readUInt32LE(at + 4)),
    vaddr: BigInt(d.readUInt32LE(at + 8)),
    filesz: BigInt(d.readUInt32LE(at + 16)),
  }),
};

const ELF64: Layout = {
  elfClass: 64,
  mask: 0xffff_ffff_ffff_ffffn,
  phoff: (d) => d.readBigUInt64LE(32),
  phnum: (d) => d.readUInt16LE(56),
  phentsize: 56,
  dynsize: 16,
  word: (d, at) => d.readBigUInt64LE(at),
  phdr: (d, at) => ({
    type: d.readUInt32LE(at),
    offset: d.readBigUInt64LE(at + 8),
    vaddr: d.readBigUInt64LE(at + 16),
    filesz: d.readBigUInt64LE(at + 32),
  }),
};

const MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

export function isElf(data: Buffer): boolean {
  return data.length >= 4 && data.subarray(0, 4).equals(MAGIC);
}

/** A shared object's facts, or undefined for anything else (never throws on bad input). */
export function readSharedObject(data: Buffer): SharedObject | undefined {
  const object = readDynamicObject(data);
  if (object?.type !== 'dyn') return undefined;
  const { elfClass, machine, interpreter, names } = object;
  return { elfClass, machine, interpreter, names };
}

/** An executable's or shared object's facts, or undefined for anything else, static executables included. */
export function readDynamicObject(data: Buffer): DynamicObject | undefined {
  if (!isElf(data) || data.length < 64 || data[5] !== 1) return undefined;
  const layout = data[4] === 1 ? ELF32 : data[4] === 2 ? ELF64 : undefined;
  const elfType = layout === undefined ? undefined : data.readUInt16LE(16);
  if (layout === undefined || (elfType !== ET_DYN && elfType !== ET_EXEC)) return undefined;
  const segments = programHeaders(data, layout);
  if (segments === undefined) return undefined;

  let loadBias: bigint | undefined;
  let dynamic: { offset: bigint; size: bigint } | undefined;
  let interpreter: string | undefined;
  for (const segment of segments) {
    if (segment.type === PT_LOAD && loadBias === undefined) {
      loadBias = (segment.vaddr - segment.offset) & layout.mask;
    } else if (segment.type === PT_DYNAMIC) {
      dynamic = { offset: segment.offset, size: segment.filesz };
    } else if (segment.type === PT_INTERP) {
      interpreter = cString(data, segment.offset);
      if (interpreter === undefined) return undefined;
    }
  }
  if (dynamic === undefined || dynamic.size === 0n) return undefined;
  const entries = dynamicEntries(data, layout, dynamic.offset);
  if (entries === undefined) return undefined;

  // Like ldconfig, find the string table through the first PT_LOAD's
  // address-to-offset difference rather than the segment that holds it.
  const strtab = entries.find((e) => e.tag === DT_STRTAB);
  if (strtab === undefined) return undefined;
  const strings = (strtab.value - (loadBias ?? 0n)) & layout.mask;
  const string = (value: bigint) => cString(data, (strings + value) & layout.mask);

  const names: DynamicName[] = [];
  const paths = new Map<bigint, string[]>();
  for (const entry of entries) {
    // A search path out of the file is left out, not fatal: ldconfig never reads it.
    const path = entry.tag === DT_RPATH || entry.tag === DT_RUNPATH ? string(entry.value) : undefined;
    if (path !== undefined) paths.set(entry.tag, path.split(':'));
    if (entry.tag !== DT_NEEDED && entry.tag !== DT_SONAME) continue;
    const name = string(entry.value);
    if (name === undefined) return undefined;
    names.push({ tag: entry.tag === DT_NEEDED ? 'needed' : 'soname', name });
  }
  return {
    type: elfType === ET_DYN ? 'dyn' : 'exec',
    elfClass: layout.elfClass,
    machine: data.readUInt16LE(18),
    interpreter,
    names,
    runpath: paths.get(DT_RUNPATH),
    rpath: paths.get(DT_RPATH),
  };
}

function programHeaders(data: Buffer, layout: Layout): ReturnType<Layout['phdr']>[] | undefined {
  const start = layout.phoff(data);
  const count = layout.phnum(data);
  if (start + BigInt(count * layout.phentsize) > BigInt(data.length)) return undefined;
  return Array.from({ length: count }, (_, i) => layout.phdr(data, Number(start) + i * layout.phentsize));
}

/** The dynamic entries up to DT_NULL; undefined when they run off the end of the file. */
function dynamicEntries(data: Buffer, layout: Layout, offset: bigint): { tag: bigint; value: bigint }[] | undefined {
  const entries: { tag: bigint; value: bigint }[] = [];
  const half = layout.dynsize / 2;
  for (let at = offset; ; at += BigInt(layout.dynsize)) {
    if (at + BigInt(layout.dynsize) > BigInt(data.length)) return undefined;
    const tag = layout.word(data, Number(at));
    if (tag === DT_NULL) return entries;
    entries.push({ tag, value: layout.word(data, Number(at) + half) });
  }
}

/** The NUL-terminated string at `offset`, decoded as UTF-8; undefined if it is not inside the file. */
function cString(data: Buffer, offset: bigint): string | undefined {
  if (offset >= BigInt(data.length)) return undefined;
  const start = Number(offset);
  const end = data.indexOf(0, start);
  if (end < 0) return undefined;
  return data.toString('utf8', start, end);
}
