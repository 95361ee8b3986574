// "Did you mean …?" for a mistyped command or flag: the closest known name within a few edits.
// Hand-written (a dozen lines of Levenshtein distance) rather than a dependency for one hint.

/** Edits (insert, delete, substitute, swap of neighbours) to turn `a` into `b`. */
function distance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => rows[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const same = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + same);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      const row = rows[i];
      if (row) row[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** The known name closest to `typed`, when it is close enough to be what was meant. */
export function closest(typed: string, known: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(typed.length / 3));
  let best: { name: string; edits: number } | undefined;
  for (const name of known) {
    const edits = distance(typed.toLowerCase(), name.toLowerCase());
    if (edits <= limit && (!best || edits < best.edits)) best = { name, edits };
  }
  // A prefix of exactly one name (`sandcaster ser`) is also clear enough.
  if (!best) {
    const starts = known.filter((name) => name.startsWith(typed));
    if (typed.length >= 2 && starts.length === 1 && starts[0]) return starts[0];
  }
  return best?.name;
}

/** " (did you mean X?)", or nothing. */
export function didYouMean(typed: string, known: readonly string[], prefix = ""): string {
  const name = closest(typed, known);
  return name ? `; did you mean ${prefix}${name}?` : "";
}
