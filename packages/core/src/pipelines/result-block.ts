// How one step's result is written under its block: HTML comments mark it (so a re-run finds and
// replaces it), a <details> block keeps long output folded on GitHub, the output sits in a fence
// longer than any backtick run inside it.

/** The opening marker's text (inside `<!-- -->`); a re-run removes everything up to the closing one. */
export const RESULT_OPEN = "sandcaster:result";
export const RESULT_CLOSE = "/sandcaster:result";

export interface StepResult {
  index: number;
  /** Null when the step was killed. */
  exitCode: number | null;
  durationSecs: number;
  timedOut: boolean;
  /** stdout and stderr interleaved as they came, already cut to size. */
  output: string;
  /** Bytes left out of `output` (0 when it is whole). */
  omittedBytes: number;
}

function longestBacktickRun(text: string): number {
  let longest = 0;
  let run = 0;
  for (const char of text) {
    run = char === "`" ? run + 1 : 0;
    if (run > longest) longest = run;
  }
  return longest;
}

/** "step 2: exit 3 in 0.4s": the step_end event's content, and the result's summary line. */
export function stepSummary(result: StepResult): string {
  const seconds = `${result.durationSecs.toFixed(1)}s`;
  if (result.timedOut) return `step ${result.index + 1}: timed out after ${seconds}`;
  const code = result.exitCode === null ? "killed" : `exit ${result.exitCode}`;
  return `step ${result.index + 1}: ${code} in ${seconds}`;
}

function summary(result: StepResult): string {
  const icon = result.timedOut ? "⏱️" : result.exitCode === 0 ? "✅" : "❌";
  return `${icon} ${stepSummary(result)}`;
}

/** The result block (no leading or trailing newline); `eol` is the document's line ending. */
export function renderResult(result: StepResult, eol: string): string {
  const output = result.output.replace(/\r?\n$/, "");
  const fence = "`".repeat(Math.max(3, longestBacktickRun(output) + 1));
  const omitted =
    result.omittedBytes > 0 ? [`_${result.omittedBytes} bytes of output left out._`, ""] : [];
  const body = output === "" ? ["_no output_"] : [`${fence}text`, ...output.split(/\r?\n/), fence];
  return [
    `<!-- ${RESULT_OPEN} step=${result.index + 1} exit=${result.timedOut ? "timeout" : (result.exitCode ?? "killed")} -->`,
    "<details>",
    `<summary>${summary(result)}</summary>`,
    "",
    ...omitted,
    ...body,
    "",
    "</details>",
    `<!-- ${RESULT_CLOSE} -->`,
  ].join(eol);
}
