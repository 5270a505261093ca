import type { EntryKind } from '../archive/entry.js';

/** An entry one side has and the other lacks. Inside a container file: `OUTER:/INNER`. */
export interface DiffEntry {
  readonly path: string;
  readonly type: EntryKind;
  /** A file's bytes, 0 for the others. */
  readonly size: number;
}

/** What differs in an entry both sides have. `content`: a file's bytes, or a device's numbers. */
export type Changed = 'type' | 'mode' | 'owner' | 'size' | 'content' | 'target';

export interface DiffReport {
  /** No entry added, removed or changed. */
  readonly same: boolean;
  readonly added: readonly DiffEntry[];
  readonly removed: readonly DiffEntry[];
  readonly changed: readonly { readonly path: string; readonly what: readonly Changed[] }[];
}
