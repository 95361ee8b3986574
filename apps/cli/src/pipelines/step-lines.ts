// How a pipeline's step events read in the terminal: a line per step start and end, its output
// line by line under it (chunks are joined into whole lines first).
import type { SandcasterEvent } from "@sandcaster/protocol";

export function stepLines(say: (text: string) => void): (event: SandcasterEvent) => boolean {
  let partial = { stdout: "", stderr: "" };
  const flush = () => {
    for (const rest of [partial.stdout, partial.stderr]) if (rest) say(`  │ ${rest}`);
    partial = { stdout: "", stderr: "" };
  };
  /** True when the event was shown here (the run view then skips it). */
  return (event) => {
    switch (event.type) {
      case "step_start":
        say(`▶ step ${event.index + 1}: ${event.command.split("\n")[0] ?? ""}`);
        return true;
      case "stdout":
      case "stderr": {
        if (event.index === undefined) return false;
        const lines = (partial[event.type] + event.content).split("\n");
        partial[event.type] = lines.pop() ?? "";
        for (const text of lines) say(`  │ ${text}`);
        return true;
      }
      case "step_end": {
        flush();
        const secs = `${event.durationSecs.toFixed(1)}s`;
        if (event.timedOut) say(`✗ step ${event.index + 1} timed out after ${secs}`);
        else if (event.exitCode === 0) say(`✓ step ${event.index + 1} · ${secs}`);
        else say(`✗ step ${event.index + 1} · exit ${event.exitCode ?? "killed"} · ${secs}`);
        return true;
      }
      default:
        return false;
    }
  };
}
