// Short human forms of durations, token counts, money, sizes, ages and long text.
import type { Usage } from "@sandcaster/protocol";

export function formatSeconds(secs: number): string {
  if (secs < 60) return `${secs < 10 ? secs.toFixed(1) : Math.round(secs)}s`;
  const minutes = Math.floor(secs / 60);
  const rest = Math.round(secs - minutes * 60);
  return minutes < 60
    ? `${minutes}m${String(rest).padStart(2, "0")}s`
    : `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}

export function formatCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

/** Everything the model read (cached or not) counts as "in". */
export function tokensIn(usage: Usage): number {
  return usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;
}

export function formatTokens(usage: Usage | undefined): string {
  return usage ? `${formatCount(tokensIn(usage))} in / ${formatCount(usage.outputTokens)} out` : "";
}

export function formatCost(usd: number | undefined): string {
  if (usd === undefined) return "";
  return usd >= 1 ? `$${usd.toFixed(2)}` : `$${usd.toFixed(4)}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** "12s ago", "5m ago", "3h ago", "2d ago"; the date itself past a month. */
export function formatAge(iso: string, now: number): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return iso;
  const secs = Math.max(0, Math.round((now - then) / 1000));
  if (secs < 60) return `${secs}s ago`;
  if (secs < 3600) return `${Math.floor(secs / 60)}m ago`;
  if (secs < 86_400) return `${Math.floor(secs / 3600)}h ago`;
  if (secs < 30 * 86_400) return `${Math.floor(secs / 86_400)}d ago`;
  return iso.slice(0, 10);
}

/** Whitespace collapsed, cut to `max` characters with an ellipsis. */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, Math.max(1, max - 1))}…` : flat;
}
