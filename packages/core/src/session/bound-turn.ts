// Keeps one turn of a session's history within its byte budget, giving up the oldest steps first.
import type { HistoryTurn } from "@sandcaster/protocol";
import { cutStrings, cutText, jsonBytes } from "./cut-text.js";

type Step = HistoryTurn["steps"][number];

/** What is left of each text of a step given up to the budget: enough to recall what it was. */
export const STUB_CHARS = 1000;
export const EARLIER_STEPS_CUT = "(earlier steps of this turn were cut from the session history)";

/** A step with each of its texts cut to `limit` characters. */
export function cutStep(step: Step, limit: number): Step {
  if (step.kind === "tool_results") {
    return {
      kind: "tool_results",
      results: step.results.map((r) => ({ ...r, content: cutText(r.content, limit) })),
    };
  }
  return {
    kind: "assistant",
    text: cutText(step.text, limit),
    toolCalls: step.toolCalls.map((c) => ({ ...c, input: cutStrings(c.input, limit) })),
  };
}

/**
 * The turn within `maxBytes` of JSON: first the oldest steps are cut to stubs, then the oldest
 * steps are dropped (a step's results go with it, so no call is left without its result), then
 * the prompt is cut. The newest steps, holding the answer, are the last to go.
 */
export function boundTurn(turn: HistoryTurn, maxBytes: number): HistoryTurn {
  const steps = [...turn.steps];
  const sizes = steps.map(jsonBytes);
  // {"prompt":…,"steps":[a,b,c]}: the frame, each step, and the commas between them.
  const frame = () => jsonBytes({ prompt: turn.prompt, steps: [] });
  const total = (base: number) =>
    base + sizes.reduce((sum, n) => sum + n, 0) + Math.max(0, steps.length - 1);
  const base = frame();
  if (total(base) <= maxBytes) return turn;

  for (let i = 0; i < steps.length && total(base) > maxBytes; i++) {
    const stub = cutStep(steps[i] as Step, STUB_CHARS);
    steps[i] = stub;
    sizes[i] = jsonBytes(stub);
  }
  let dropped = false;
  while (steps.length > 0 && total(base) > maxBytes) {
    steps.shift();
    sizes.shift();
    // Results whose calls were dropped would answer nothing.
    if (steps[0]?.kind === "tool_results") {
      steps.shift();
      sizes.shift();
    }
    dropped = true;
  }
  const first = steps[0];
  if (dropped && first?.kind === "assistant") {
    steps[0] = { ...first, text: [EARLIER_STEPS_CUT, first.text].filter(Boolean).join("\n\n") };
  }
  const bounded = { prompt: turn.prompt, steps };
  const over = jsonBytes(bounded) - maxBytes;
  if (over <= 0) return bounded;
  // Cutting n characters frees at least n bytes; the margin pays for the note.
  return { ...bounded, prompt: cutText(turn.prompt, Math.max(0, turn.prompt.length - over - 200)) };
}
