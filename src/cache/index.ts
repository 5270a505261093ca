/** The `mkbundle cache` commands as functions: plain-data reports, and their text. */
export {
  type CacheListing,
  formatCacheListing,
  type ListedBlob,
  type ListedEntry,
  type ListedFile,
  type ListedTemp,
  listCache,
} from './list.js';
export { cachePath } from './path.js';
export {
  type CachePruneReport,
  formatPruneReport,
  type PrunedBlob,
  type PrunedEntry,
  type PruneOptions,
  pruneCache,
} from './prune.js';
export {
  type CacheVerifyReport,
  type DamagedBlob,
  type DroppedEntry,
  type DropReason,
  formatVerifyReport,
  verifyCache,
} from './verify.js';
