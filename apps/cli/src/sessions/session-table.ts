// Sessions as an aligned table: id, status, sandbox, turns, last active, expires.
import type { SessionRecord } from "@sandcaster/protocol";
import { safeLine } from "../terminal/safe-text.js";

function ago(iso: string, now: number): string {
  const secs = Math.round((now - Date.parse(iso)) / 1000);
  if (secs < 0) return `in ${-secs < 120 ? `${-secs}s` : `${Math.round(-secs / 60)}m`}`;
  if (secs < 120) return `${secs}s ago`;
  if (secs < 7200) return `${Math.round(secs / 60)}m ago`;
  return `${Math.round(secs / 3600)}h ago`;
}

export function sessionTable(sessions: readonly SessionRecord[], now = Date.now()): string {
  if (sessions.length === 0) return "no sessions";
  const rows = [
    ["ID", "STATUS", "SANDBOX", "TURNS", "LAST ACTIVE", "EXPIRES", "NAME"],
    ...sessions.map((s) => [
      safeLine(s.id),
      s.activeRunId ? "busy" : safeLine(s.status),
      safeLine(s.sandboxProvider),
      String(s.turns),
      ago(s.lastActiveAt, now),
      s.status === "active" ? ago(s.expiresAt, now) : "-",
      safeLine(s.name ?? ""),
    ]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
