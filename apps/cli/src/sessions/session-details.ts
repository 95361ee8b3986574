// `sessions show`: one session, one field per line as `runs show` prints a run, then its turns.
import type { RunRecord, SessionRecord, SessionStatus } from "@sandcaster/protocol";
import { formatAge, formatCost, formatSeconds } from "../render/format.js";
import { paintStatus } from "../runs/status-style.js";
import type { Palette } from "../terminal/colours.js";
import { safeLine } from "../terminal/safe-text.js";

function paintSession(status: SessionStatus, palette: Palette): (text: string) => string {
  if (status === "active") return palette.green;
  return status === "expired" ? palette.yellow : palette.dim;
}

/** A turn: `run_af0e…  completed  2 turns  $0.0042  3.1s  prompt`. */
function turnLine(run: RunRecord, palette: Palette): string {
  const parts = [
    palette.bold(safeLine(run.id)),
    paintStatus(run.status, palette)(run.status),
    run.durationSecs === undefined ? "" : formatSeconds(run.durationSecs),
    formatCost(run.costUsd),
    safeLine(run.prompt).slice(0, 60),
  ];
  return `    ${parts.filter(Boolean).join("  ")}`;
}

/** Every string came from a client or the server: shown on one line, inert. */
export function sessionDetails(
  session: SessionRecord,
  turns: readonly RunRecord[],
  palette: Palette,
  now = Date.now(),
): string {
  const spent = turns.reduce((sum, run) => sum + (run.costUsd ?? 0), 0);
  const rows: [string, string | undefined][] = [
    ["name", session.name && safeLine(session.name)],
    ["sandbox", safeLine(session.sandboxProvider)],
    ["created", `${session.createdAt} (${formatAge(session.createdAt, now)})`],
    ["active", `${session.lastActiveAt} (${formatAge(session.lastActiveAt, now)})`],
    [
      "expires",
      session.status === "active"
        ? `${session.expiresAt} (after ${session.idleTimeoutSecs}s idle)`
        : undefined,
    ],
    ["turns", String(session.turns)],
    ["history", `the newest ${session.maxHistoryTurns} turns go to the model`],
    ["cost", turns.length > 0 ? formatCost(spent) || undefined : undefined],
    ["running", session.activeRunId && safeLine(session.activeRunId)],
    ["owner", session.ownerUrl && safeLine(session.ownerUrl)],
  ];
  const status = session.activeRunId ? "busy" : session.status;
  const head = `${palette.bold(safeLine(session.id))}  ${paintSession(session.status, palette)(status)}`;
  const lines = rows
    .filter((row): row is [string, string] => row[1] !== undefined && row[1] !== "")
    .map(([key, value]) => `  ${palette.dim(key.padEnd(9))}${value}`);
  const runs =
    turns.length > 0
      ? [`  ${palette.dim("runs")}`, ...turns.map((run) => turnLine(run, palette))]
      : [];
  const next =
    session.status === "active"
      ? [`  ${palette.dim("next")}     sandcaster query --session ${safeLine(session.id)} "…"`]
      : [];
  return [head, ...lines, ...runs, ...next].join("\n");
}
