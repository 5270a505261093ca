import { ArchiveError } from '../errors.js';

/**
 * kmod's binary index (`modules.dep.bin`, `modules.alias.bin`, …), read and
 * written again so a value can change without changing the trie: a
 * big-endian header (magic, version 2.1, root offset), then nodes written
 * children first. A node offset carries flags in its top nibble saying which
 * parts follow: a NUL-terminated prefix, a child range (first and last byte,
 * then one offset per byte, 0 for none), values (count, then priority and
 * NUL-terminated string each).
 */

export interface IndexNode {
  readonly prefix: string;
  /** Children by the byte that leads to them, in byte order. */
  readonly children: ReadonlyMap<number, IndexNode>;
  readonly values: readonly IndexValue[];
}

export interface IndexValue {
  readonly priority: number;
  readonly value: string;
}

const MAGIC = 0xb007f457;
const VERSION = 0x00020001;
const PREFIX = 0x80000000;
const VALUES = 0x40000000;
const CHILDREN = 0x20000000;
const OFFSET_MASK = 0x0fffffff;

/** The trie of an index file; `name` is for messages. */
export function readIndex(data: Buffer, name: string): IndexNode {
  const corrupt = (what: string) => new ArchiveError(`${name}: ${what}`);
  if (data.length < 12 || data.readUInt32BE(0) !== MAGIC || data.readUInt32BE(4) !== VERSION) {
    throw corrupt('not a kmod index (version 2.1)');
  }
  const seen = new Set<number>();
  const node = (offset: number): IndexNode => {
    let at = offset & OFFSET_MASK;
    // A node with content is reached once; a second time means a loop (or a
    // blow-up). Empty nodes take no bytes, so they may share an offset.
    if (offset & ~OFFSET_MASK) {
      if (seen.has(at)) throw corrupt(`node at ${at} reached twice`);
      seen.add(at);
    }
    const string = () => {
      const end = data.indexOf(0, at);
      if (end < 0) throw corrupt(`unterminated string at ${at}`);
      const value = data.toString('latin1', at, end);
      at = end + 1;
      return value;
    };
    const u32 = () => {
      if (at + 4 > data.length) throw corrupt(`truncated at ${at}`);
      const value = data.readUInt32BE(at);
      at += 4;
      return value;
    };
    const prefix = offset & PREFIX ? string() : '';
    const children = new Map<number, IndexNode>();
    if (offset & CHILDREN) {
      if (at + 2 > data.length) throw corrupt(`truncated at ${at}`);
      const first = data[at] as number;
      const last = data[at + 1] as number;
      at += 2;
      const offsets = Array.from({ length: last - first + 1 }, u32);
      offsets.forEach((child, i) => {
        if (child !== 0) children.set(first + i, node(child));
      });
    }
    const values: IndexValue[] = [];
    if (offset & VALUES) {
      const count = u32();
      for (let i = 0; i < count; i++) values.push({ priority: u32(), value: string() });
    }
    return { prefix, children, values };
  };
  return node(data.readUInt32BE(8));
}

/** The index with every value string passed through `change`. */
export function mapIndexValues(root: IndexNode, change: (value: string) => string): IndexNode {
  return {
    prefix: root.prefix,
    children: new Map([...root.children].map(([byte, child]) => [byte, mapIndexValues(child, change)])),
    values: root.values.map((v) => ({ priority: v.priority, value: change(v.value) })),
  };
}

/** The bytes kmod's depmod writes for this trie. */
export function writeIndex(root: IndexNode): Buffer {
  const chunks: Buffer[] = [];
  let size = 12;
  const push = (chunk: Buffer) => {
    chunks.push(chunk);
    size += chunk.length;
  };
  const u32 = (value: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(value >>> 0);
    return b;
  };
  const write = (node: IndexNode): number => {
    const bytes = [...node.children.keys()].sort((a, b) => a - b);
    const offsets = new Map(bytes.map((byte) => [byte, write(node.children.get(byte) as IndexNode)]));
    let offset = size;
    if (node.prefix !== '') {
      push(Buffer.from(`${node.prefix}\0`, 'latin1'));
      offset |= PREFIX;
    }
    const first = bytes[0];
    const last = bytes.at(-1);
    if (first !== undefined && last !== undefined) {
      push(Buffer.from([first, last]));
      for (let byte = first; byte <= last; byte++) push(u32(offsets.get(byte) ?? 0));
      offset |= CHILDREN;
    }
    if (node.values.length > 0) {
      push(u32(node.values.length));
      for (const v of node.values) push(Buffer.concat([u32(v.priority), Buffer.from(`${v.value}\0`, 'latin1')]));
      offset |= VALUES;
    }
    return offset >>> 0;
  };
  const rootOffset = write(root);
  return Buffer.concat([u32(MAGIC), u32(VERSION), u32(rootOffset), ...chunks]);
}
