/** Deterministic pseudo-random bytes (xorshift32), so compression cannot trivialise them. */
export function pseudoRandom(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 0x9e3779b9;
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    for (let j = 0; j < 4 && i + j < size; j++) out[i + j] = (x >>> (8 * j)) & 0xff;
  }
  return out;
}

/** Half random, half repetitive text: compresses, but not to nothing. */
export function mixedContent(size: number, seed: number): Buffer {
  const text = Buffer.from(`line ${seed}: the quick brown fox jumps over the lazy dog\n`);
  const out = pseudoRandom(size, seed);
  for (let i = 0; i < size; i += 2 * text.length) text.copy(out, i, 0, Math.min(text.length, size - i));
  return out;
}
