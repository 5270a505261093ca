import { escapeUnsafe } from '../config/quote.js';

/** `1 blob`, `3 blobs`, `2 entries`. */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** An ISO time to the minute, UTC: `2025-01-02 10:11`. */
export function when(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

/** A listing row: size right-aligned, time, then the rest. */
export function row(size: string, time: string, rest: string): string {
  return `  ${size.padStart(10)}  ${time.padEnd(16)}  ${rest}`;
}

/** Text from the index or the file system as a terminal may show it. */
export function shown(text: string): string {
  return escapeUnsafe(text);
}
