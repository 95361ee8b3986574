import type { SandcasterEvent } from "@sandcaster/protocol";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { createPalette, stripAnsi } from "../terminal/colours.js";
import { createRenderer } from "./renderer.js";

let clock = 0;
let written = "";
const terminal = { isTTY: true, columns: 100, write: (text: string) => (written += text) };
beforeEach(() => {
  vi.useFakeTimers();
  clock = 0;
  written = "";
});
afterEach(() => vi.useRealTimers());

/** The screen as a terminal would show it: \r returns to the line start, ESC[2K clears it. */
function screen(): string[] {
  const lines: string[] = [""];
  for (const char of written.replaceAll("\x1b[2K", "\r")) {
    if (char === "\n") lines.push("");
    else if (char === "\r") lines[lines.length - 1] = "";
    else lines[lines.length - 1] += char;
  }
  return lines.map(stripAnsi);
}

const renderer = (thinking = false) =>
  createRenderer(terminal, {
    palette: createPalette(true),
    spinner: true,
    thinking,
    verbose: false,
    timings: true,
    now: () => clock,
  });

const init: SandcasterEvent = {
  type: "system",
  subtype: "init",
  content: "",
  runId: "run_1",
  sandboxProvider: "local",
};

it("spins with elapsed time while the sandbox starts, and the spinner goes when it is ready", () => {
  const r = renderer();
  r.render(init);
  clock = 1200;
  vi.advanceTimersByTime(80);
  expect(screen().at(-1)).toMatch(/^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] starting sandbox \(local\) 1\.2s$/);
  r.render({ type: "system", subtype: "sandbox_ready", content: "local sandbox ready in 1.2s" });
  expect(screen()).toContain("· local sandbox ready in 1.2s");
  expect(screen().join("\n")).not.toContain("starting sandbox");
  expect(screen().at(-1)).toMatch(/waiting for the model 0\.0s$/);
});

it("never draws the spinner into streamed text, and shows the tool running, then its line", () => {
  const r = renderer();
  r.render(init);
  r.render({ type: "assistant", subtype: "delta", content: "Hel" });
  vi.advanceTimersByTime(500);
  r.render({ type: "assistant", subtype: "delta", content: "lo" });
  expect(screen().at(-1)).toBe("Hello");
  r.render({ type: "assistant", subtype: "complete", content: "Hello" });
  r.render({ type: "tool_use", toolName: "bash", content: '{"command":"make"}', toolUseId: "t" });
  clock = 2500;
  vi.advanceTimersByTime(80);
  expect(screen().at(-1)).toMatch(/bash {2}make 2\.5s$/);
  clock = 3000;
  r.render({
    type: "tool_result",
    toolName: "bash",
    content: "ok",
    isError: false,
    toolUseId: "t",
  });
  expect(screen()).toContain("✓ bash  make  (3.0s)");
  r.render({ type: "result", subtype: "success", content: "Hello", numTurns: 1 });
  r.finish({ status: "completed", files: 0, numTurns: 1, durationSecs: 3 });
  expect(screen().filter(Boolean)).toEqual([
    "▶ run run_1 · model unresolved · local sandbox",
    "Hello",
    "✓ bash  make  (3.0s)",
    "✓ completed · 1 turn · 3.0s",
  ]);
  expect(vi.getTimerCount()).toBe(0); // the spinner stopped
});

it("shows thinking dimmed only when asked, and a block switch starts a new line", () => {
  const r = renderer(true);
  r.render({ type: "thinking", subtype: "delta", content: "hmm" });
  r.render({ type: "assistant", subtype: "delta", content: "Answer" });
  r.render({ type: "thinking", subtype: "complete", content: "hmm" });
  r.render({ type: "assistant", subtype: "complete", content: "Answer" });
  expect(written).toContain("\x1b[2m(thinking) \x1b[22m\x1b[2mhmm\x1b[22m\nAnswer\n");
});
