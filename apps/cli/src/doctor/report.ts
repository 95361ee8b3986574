// Prints the doctor's checks: one aligned line each with ✓ ! ✗ – and the fix under anything not ok.
import type { Palette } from "../terminal/colours.js";
import type { CheckResult, CheckStatus } from "./check.js";

const MARK: Record<CheckStatus, string> = { ok: "✓", warn: "!", fail: "✗", skip: "–" };

export function doctorReport(checks: readonly CheckResult[], palette: Palette): string {
  const paint: Record<CheckStatus, (text: string) => string> = {
    ok: palette.green,
    warn: palette.yellow,
    fail: palette.red,
    skip: palette.dim,
  };
  const width = Math.max(...checks.map((c) => c.id.length));
  const lines = checks.flatMap((check) => {
    const head = `${paint[check.status](MARK[check.status])} ${check.id.padEnd(width)}  ${check.message}`;
    return check.hint && check.status !== "ok"
      ? [head, palette.dim(`  ${" ".repeat(width)}  → ${check.hint}`)]
      : [head];
  });
  const failed = checks.filter((c) => c.status === "fail").length;
  const warned = checks.filter((c) => c.status === "warn").length;
  const verdict =
    failed > 0
      ? palette.red(`not ready: ${failed} problem${failed === 1 ? "" : "s"} to fix (✗)`)
      : palette.green(`ready${warned ? ` (${warned} warning${warned === 1 ? "" : "s"})` : ""}`);
  return `${lines.join("\n")}\n\n${verdict}`;
}
