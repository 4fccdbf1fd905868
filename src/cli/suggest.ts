/** Edit distance (insertions, deletions, substitutions, adjacent swaps) between two short words. */
function distance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i += 1) {
    for (let j = 1; j < cols; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * ` (did you mean "x"?)` for the closest choice when it is near enough to be a typo, else `''`.
 * Near enough: at most a third of the word's letters differ (at least one).
 */
export function didYouMean(word: string, choices: readonly string[]): string {
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: { choice: string; cost: number } | undefined;
  for (const choice of choices) {
    const cost = distance(word.toLowerCase(), choice.toLowerCase());
    if (cost <= limit && (best === undefined || cost < best.cost)) best = { choice, cost };
  }
  return best === undefined ? '' : ` (did you mean "${best.choice}"?)`;
}
