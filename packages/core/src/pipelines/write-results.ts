// Splices each step's result block in right after its bash block; nothing else of the document moves.
import type { ParsedPipeline } from "./parse-pipeline.js";
import { renderResult, type StepResult } from "./result-block.js";

export function writeResults(pipeline: ParsedPipeline, results: readonly StepResult[]): string {
  const { source, eol } = pipeline;
  const byIndex = new Map(results.map((result) => [result.index, result]));
  let out = source;
  for (const step of [...pipeline.steps].reverse()) {
    const result = byIndex.get(step.index);
    if (!result) continue;
    // strip-results removes exactly this shape: eol, eol, the block, eol.
    const block = eol + eol + renderResult(result, eol) + eol;
    out = out.slice(0, step.end) + block + out.slice(step.end);
  }
  return out;
}
