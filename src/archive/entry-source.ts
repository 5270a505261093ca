import type { ArchiveEntry } from './entry.js';

/** What writers take: an array, any iterable, or a stream of entries (a reader's output). */
export type EntrySource = Iterable<ArchiveEntry> | AsyncIterable<ArchiveEntry>;
