// Runs as an aligned table: id, status, model, turns, tokens, cost, duration, started (relative).
import type { RunRecord } from "@sandcaster/protocol";
import { formatAge, formatCost, formatSeconds, formatTokens } from "../render/format.js";
import type { Palette } from "../terminal/colours.js";
import { safeLine } from "../terminal/safe-text.js";
import { paintStatus } from "./status-style.js";

const HEAD = ["ID", "STATUS", "MODEL", "TURNS", "TOKENS", "COST", "DURATION", "STARTED"];
/** Numbers read best right-aligned. */
const RIGHT = new Set([3, 4, 5, 6]);

export function runTable(runs: readonly RunRecord[], palette: Palette, now = Date.now()): string {
  if (runs.length === 0) return "no runs yet";
  const rows = runs.map((r) => [
    safeLine(r.id),
    safeLine(r.status),
    safeLine(r.model ?? ""),
    r.numTurns === undefined ? "" : String(r.numTurns),
    formatTokens(r.usage),
    formatCost(r.costUsd),
    r.durationSecs === undefined ? "" : formatSeconds(r.durationSecs),
    formatAge(r.startedAt, now),
  ]);
  const widths = HEAD.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)),
  );
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
