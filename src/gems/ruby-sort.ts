/**
 * Ruby 3.1's Array#sort on Debian: glibc's qsort_r, which is a top-down
 * merge sort (halves of n/2 and n - n/2; on a tie the left element first).
 * RubyGems' indexer sorts with a comparator that is not a total order
 * (platforms of equal versions), so the order of the index files depends on
 * the algorithm itself, not only on the comparator.
 */
export function rubySort<T>(items: readonly T[], compare: (a: T, b: T) => number): T[] {
  const out = [...items];
  const sort = (start: number, length: number): void => {
    if (length <= 1) return;
    const left = Math.floor(length / 2);
    sort(start, left);
    sort(start + left, length - left);
    const merged: T[] = [];
    let i = start;
    let j = start + left;
    const leftEnd = j;
    const end = start + length;
    while (i < leftEnd && j < end) {
      merged.push(compare(out[i] as T, out[j] as T) <= 0 ? (out[i++] as T) : (out[j++] as T));
    }
    while (i < leftEnd) merged.push(out[i++] as T);
    while (j < end) merged.push(out[j++] as T);
    for (let k = 0; k < merged.length; k++) out[start + k] = merged[k] as T;
  };
  sort(0, out.length);
  return out;
}
