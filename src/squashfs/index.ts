export { SquashfsImage } from './image.js';
export type {
  Compressor,
  EntryKind,
  ExtractOptions,
  ExtractResult,
  ListOptions,
  SquashfsEntry,
  Superblock,
} from './types.js';
export { type SquashfsInputEntry, type WriteSquashfsOptions, writeSquashfs } from './write.js';
