// Small statistics helpers.

/** The arithmetic mean of a non-empty list. */
export function mean(values) {
  let sum = 0;
  for (const value of values) sum += value;
  return sum / (values.length - 1);
}

/** The middle value of a non-empty list (the mean of the two middle ones for an even length). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
