// Picks the winner among the branches that finished, by the request's evaluator (default
// `llm-judge`). A single finished branch wins without a judge call; none is the run's failure.
import type { BranchEvaluator, ModelChoice, OutputFormat } from "@sandcaster/protocol";
import { RunError } from "../run/run-error.js";
import type { BranchOutcome, Verdict } from "./branch-outcome.js";
import { judgeVerdict } from "./judge-evaluator.js";
import { schemaVerdict } from "./schema-evaluator.js";

export interface EvaluateInput {
  evaluator: BranchEvaluator;
  /** The caller's prompt (what the judge is told the task was). */
  task: string;
  outputFormat: OutputFormat | undefined;
  judgeModel: ModelChoice;
  env: Readonly<Record<string, string | undefined>>;
  signal: AbortSignal;
  warn(content: string): void;
  /** Throws when the judge's call to `model` must not start (the run's budget is spent). */
  checkBudget?(model: string): void;
}

function everyFailure(outcomes: readonly BranchOutcome[]): string {
  return outcomes
    .map((o) => `${o.spec.branchId}: ${o.error?.code ?? "INTERNAL"} ${o.error?.content ?? ""}`)
    .join("; ");
}

export async function evaluateBranches(
  outcomes: readonly BranchOutcome[],
  input: EvaluateInput,
): Promise<Verdict> {
  const candidates = outcomes.filter((o) => o.status === "success");
  const [first] = candidates;
  if (!first) {
    throw new RunError("BRANCHING_FAILED", `every branch failed (${everyFailure(outcomes)})`);
  }
  const { evaluator } = input;
  if (evaluator.type === "schema") {
    // Checked at the start (validate-branching.ts); a config without it cannot reach here.
    if (!input.outputFormat)
      throw new RunError("INTERNAL", "schema evaluator without outputFormat");
    return schemaVerdict(candidates, input.outputFormat);
  }
  if (candidates.length === 1) return { winner: first, reason: "the only branch that finished" };
  const model = input.judgeModel;
  if (!model.ok) {
    input.warn(`no model for the judge (${model.reason}); kept ${first.spec.branchId}`);
    return { winner: first, reason: "no judge model; kept the first finished branch" };
  }
  input.checkBudget?.(model.model);
  return judgeVerdict(candidates, {
    provider: model.provider,
    model: model.model,
    env: input.env,
    signal: input.signal,
    task: input.task,
    criteria: evaluator.type === "custom" ? evaluator.prompt : undefined,
    warn: input.warn,
  });
}
