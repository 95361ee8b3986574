// Keeps a session's history within its turn count and byte budget, dropping the oldest whole turns.
import type { HistoryTurn } from "@sandcaster/protocol";
import { jsonBytes } from "./cut-text.js";

/** Bytes of history handed to a runner: the config file stays small next to a 1 MB prompt. */
export const DEFAULT_HISTORY_BYTES = 2_000_000;

export interface TrimmedHistory {
  turns: HistoryTurn[];
  /** Oldest turns left out. */
  dropped: number;
}

/**
 * The newest `maxTurns` turns, fewer when their JSON would exceed `maxBytes`. Turns go whole, so a
 * tool call and its result are never split; the newest turn goes too if it alone is too big.
 */
export function trimHistory(
  turns: readonly HistoryTurn[],
  maxTurns: number,
  maxBytes: number = DEFAULT_HISTORY_BYTES,
): TrimmedHistory {
  const keep = Math.max(0, Math.floor(maxTurns));
  const newest = turns.slice(Math.max(0, turns.length - keep));
  const sizes = newest.map(jsonBytes);
  // [a,b,c]: the brackets, each turn, and the commas between them.
  let bytes = 2 + sizes.reduce((sum, n) => sum + n, 0) + Math.max(0, newest.length - 1);
  let first = 0;
  while (first < newest.length && bytes > maxBytes) {
    bytes -= (sizes[first] ?? 0) + (newest.length - first > 1 ? 1 : 0);
    first++;
  }
  const kept = newest.slice(first);
  return { turns: kept, dropped: turns.length - kept.length };
}
