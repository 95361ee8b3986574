// How numbers read on the page: durations, money, token counts, sizes, dates.

/** @param {number | undefined} secs */
export function formatDuration(secs) {
  if (secs === undefined || !Number.isFinite(secs)) return "—";
  if (secs < 1) return `${Math.round(secs * 1000)} ms`;
  if (secs < 60) return `${secs.toFixed(secs < 10 ? 2 : 1)} s`;
  const minutes = Math.floor(secs / 60);
  return `${minutes} m ${String(Math.round(secs % 60)).padStart(2, "0")} s`;
}

/** @param {number | undefined} usd */
export function formatCost(usd) {
  if (usd === undefined) return "—";
  if (usd === 0) return "$0";
  return usd < 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

/** @param {number | undefined} count */
export function formatCount(count) {
  if (count === undefined) return "—";
  if (count < 1000) return String(count);
  if (count < 1_000_000) return `${(count / 1000).toFixed(count < 10_000 ? 1 : 0)}k`;
  return `${(count / 1_000_000).toFixed(1)}M`;
}

/** @param {number} bytes */
export function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** @param {string | undefined} iso */
export function formatDate(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

/**
 * A date for a table cell: without the year when it is this year's (its cell stays narrow enough
 * for the runs table to fit 1280 px at any hour); the whole date is the cell's title.
 * @param {string | undefined} iso
 * @param {Date} [now]
 */
export function formatShortDate(iso, now = new Date()) {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  if (date.getFullYear() !== now.getFullYear()) return formatDate(iso);
  return date.toLocaleString(undefined, {
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    second: "2-digit",
  });
}

/**
 * @param {{ inputTokens: number, outputTokens: number, cacheReadTokens: number, cacheWriteTokens: number } | undefined} usage
 */
export function totalTokens(usage) {
  if (!usage) return undefined;
  return usage.inputTokens + usage.outputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;
}
