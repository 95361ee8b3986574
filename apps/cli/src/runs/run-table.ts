// Runs as an aligned table: short id, status, model, turns, tokens, cost, duration, started
// (relative) and the prompt, cut so that each line fits `width` (the terminal's, when known).
import type { RunRecord } from "@sandcaster/protocol";
import { formatAge, formatCost, formatSeconds, formatTokens, oneLine } from "../render/format.js";
import type { Palette } from "../terminal/colours.js";
import { safeLine } from "../terminal/safe-text.js";
import { shortIdLength } from "./resolve-run-id.js";
import { paintStatus } from "./status-style.js";

const HEAD = ["ID", "STATUS", "MODEL", "TURNS", "TOKENS", "COST", "DURATION", "STARTED", "PROMPT"];
/** Numbers read best right-aligned. */
const RIGHT = new Set([3, 4, 5, 6]);
const PROMPT = HEAD.length - 1;
/** The prompt column is never cut shorter than this, even on a narrow terminal. */
const MIN_PROMPT = 12;

export function runTable(
  runs: readonly RunRecord[],
  palette: Palette,
  options: { now?: number; width?: number | undefined } = {},
): string {
  if (runs.length === 0) return "no runs yet";
  const now = options.now ?? Date.now();
  const idLength = shortIdLength(runs.map((r) => r.id));
  const rows = runs.map((r) => [
    safeLine(r.id.slice(0, idLength)),
    safeLine(r.status),
    safeLine(r.model ?? ""),
    r.numTurns === undefined ? "" : String(r.numTurns),
    formatTokens(r.usage),
    formatCost(r.costUsd),
    r.durationSecs === undefined ? "" : formatSeconds(r.durationSecs),
    formatAge(r.startedAt, now),
    safeLine(oneLine(r.prompt, Number.MAX_SAFE_INTEGER)),
  ]);
  const widths = HEAD.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)),
  );
  if (options.width) {
    const before = widths.slice(0, PROMPT).reduce((sum, w) => sum + w + 2, 0);
    const room = Math.max(MIN_PROMPT, options.width - before);
    for (const row of rows) row[PROMPT] = oneLine(row[PROMPT] ?? "", room);
    widths[PROMPT] = Math.min(widths[PROMPT] ?? 0, room);
  }
  const pad = (cell: string, i: number) =>
    RIGHT.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0);
  const lines = [
    HEAD.map((h, i) => palette.bold(pad(h, i)))
      .join("  ")
      .trimEnd(),
  ];
  runs.forEach((run, r) => {
    const cells = (rows[r] ?? []).map((cell, i) => {
      const padded = pad(cell, i);
      return i === 1 ? paintStatus(run.status, palette)(padded) : padded;
    });
    lines.push(cells.join("  ").trimEnd());
  });
  return lines.join("\n");
}
