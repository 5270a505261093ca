/**
 * glibc's `_dl_cache_libcmp`: the order of ld.so.cache keys. ld.so
 * binary-searches the cache with it, and ldconfig also uses it to pick the
 * newest of several files with the same soname. Runs of digits compare as
 * numbers (so `libfoo.so.10` > `libfoo.so.9`), a digit sorts after any other
 * byte, other bytes compare as C's signed `char` on x86. The numbers are C
 * `int`s: they wrap on overflow exactly as ldconfig's do.
 */
export function libcmp(a: Buffer, b: Buffer): number {
  let i = 0;
  let j = 0;
  while (at(a, i) !== 0) {
    if (isDigit(at(a, i))) {
      if (!isDigit(at(b, j))) return 1;
      let left = 0;
      let right = 0;
      while (isDigit(at(a, i))) left = (Math.imul(left, 10) + at(a, i++) - 0x30) | 0;
      while (isDigit(at(b, j))) right = (Math.imul(right, 10) + at(b, j++) - 0x30) | 0;
      if (left !== right) return (left - right) | 0;
    } else if (isDigit(at(b, j))) {
      return -1;
    } else if (at(a, i) !== at(b, j)) {
      return at(a, i) - at(b, j);
    } else {
      i++;
      j++;
    }
  }
  return at(a, i) - at(b, j);
}

/** The byte at `index` as a signed char; 0 past the end, like a C string's NUL. */
function at(bytes: Buffer, index: number): number {
  return index < bytes.length ? (bytes.readInt8(index) as number) : 0;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
