/**
 * The optimal string alignment distance (restricted Damerau–Levenshtein):
 * insertions, deletions, substitutions and swaps of two neighbours, each
 * costing 1, no substring edited twice. A swap is the commonest typo
 * (`--ouptut`), which plain Levenshtein counts as two.
 */
export function editDistance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  // Three rows: the swap looks two rows back.
  let before: number[] = [];
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let best = Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) {
        best = Math.min(best, (before[j - 2] ?? 0) + 1);
      }
      row.push(best);
    }
    before = previous;
    previous = row;
  }
  return previous[y.length] ?? 0;
}

/**
 * The candidate `word` most likely misspells: the only one it is a prefix
 * of (`--verb` → `verbose`), else the nearest within half its length (at
 * least 1, at most 3: `--ouput` → `out`); the first such in `candidates` on a tie.
 * undefined when nothing is that near.
 */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  if (word === '') return undefined;
  const prefixed = candidates.filter((c) => c.startsWith(word));
  if (prefixed.length === 1) return prefixed[0];
  const limit = Math.min(3, Math.max(1, Math.floor([...word].length / 2)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
