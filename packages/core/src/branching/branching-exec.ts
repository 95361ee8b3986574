// The work of a branching run, on the host (it has no sandbox of its own): fan out, let the
// evaluator pick, announce the choice, and end with the winner's files and answer. Its `result`
// costs what every branch and the judge cost together, and its budget bounds that sum: the first
// time the sum passes it, every branch is stopped at once and the run ends with BUDGET_EXCEEDED.
import { addUsage, type ResultEvent, roundUsd, type Usage, ZERO_USAGE } from "@sandcaster/protocol";
import { SharedSpend } from "../gateway/shared-spend.js";
import { RunError } from "../run/run-error.js";
import type { HostExec } from "../run/run-exec.js";
import type { RunScope } from "../run/run-scope.js";
import type { StartRunServices } from "../run/run-services.js";
import type { BranchOutcome, BranchSpec, Verdict } from "./branch-outcome.js";
import { fixedSpecs } from "./branch-specs.js";
import { evaluateBranches } from "./evaluate-branches.js";
import { runBranches } from "./run-branches.js";
import { runFirst } from "./run-first.js";
import type { BranchingPlan } from "./validate-branching.js";

interface Spent {
  costUsd: number;
  usage: Usage;
  numTurns: number;
}

function spentOn(outcomes: readonly BranchOutcome[], verdict?: Verdict): Spent {
  let spent: Spent = verdict?.judge
    ? { costUsd: verdict.judge.costUsd, usage: verdict.judge.usage, numTurns: 0 }
    : { costUsd: 0, usage: ZERO_USAGE, numTurns: 0 };
  for (const o of outcomes) {
    spent = {
      costUsd: spent.costUsd + o.costUsd,
      usage: addUsage(spent.usage, o.usage ?? ZERO_USAGE),
      numTurns: spent.numTurns + o.numTurns,
    };
  }
  return spent;
}

const BUDGET_HINT =
  "a branching run's budget bounds all its branches and the judge together: raise it, or run fewer branches";

/** The whole run's budget, and a signal that aborts when it is passed (or the run is stopped). */
function wholeBudget(scope: RunScope) {
  const exceeded = new AbortController();
  const spend = new SharedSpend(scope.plan.budget, (refusal) =>
    exceeded.abort(new RunError("BUDGET_EXCEEDED", refusal.message, BUDGET_HINT)),
  );
  const checkBudget = (model: string) => {
    const refused = spend.refusal(model);
    if (refused) throw new RunError("BUDGET_EXCEEDED", refused.message, BUDGET_HINT);
  };
  return { spend, checkBudget, signal: AbortSignal.any([scope.signal, exceeded.signal]) };
}

function resultOf(verdict: Verdict, spent: Spent): ResultEvent {
  const won = verdict.winner.result;
  const structuredOutput = verdict.structuredOutput ?? won?.structuredOutput;
  return {
    type: "result",
    ...(won?.subtype ? { subtype: won.subtype } : {}),
    content: won?.content ?? "",
    costUsd: roundUsd(spent.costUsd),
    numTurns: spent.numTurns,
    ...(won?.model ? { model: won.model } : {}),
    usage: spent.usage,
    ...(structuredOutput === undefined ? {} : { structuredOutput }),
  };
}

export function branchingExec(services: StartRunServices, plan: BranchingPlan): HostExec {
  const { branching } = plan;
  const evaluator = branching.evaluator ?? { type: "llm-judge" as const };
  // Kept as the work goes, so a failed or stopped run still records what its branches spent.
  let spent: Spent | undefined;
  let whole: SharedSpend | undefined;
  return {
    kind: "branching",
    usage: () => {
      if (spent) return { costUsd: roundUsd(spent.costUsd), usage: spent.usage };
      // Stopped before the outcomes were in (the first attempt passed the budget): the gateways' sum.
      return whole && { costUsd: roundUsd(whole.costUsd), usage: whole.usage };
    },
    async runOnHost(scope: RunScope) {
      const { request } = scope.plan;
      const budget = wholeBudget(scope);
      whole = budget.spend;
      const { signal } = budget;
      const context = { services, signal, emit: scope.emit, sharedSpend: budget.spend };
      const earlier: BranchOutcome[] = [];
      let specs: BranchSpec[];
      if ((branching.trigger ?? "always") === "always") {
        specs = fixedSpecs(branching, () => request.prompt);
      } else {
        const first = await runFirst(context, { request, branching, parentRunId: scope.runId });
        if (first.kind === "finished") return first.end;
        earlier.push(first.outcome);
        specs = first.specs;
      }
      const outcomes = await runBranches(context, {
        specs,
        request,
        parentRunId: scope.runId,
        staggerDelayMs: branching.staggerDelayMs ?? 0,
      });
      spent = spentOn([...earlier, ...outcomes]);
      if (signal.aborted) throw signal.reason;
      const summary = (spent: Spent, verdict?: Verdict) =>
        scope.emit({
          type: "branch_summary",
          content: verdict
            ? `${verdict.winner.spec.branchId} won (${evaluator.type})`
            : "no branch won",
          totalBranches: outcomes.length,
          successCount: outcomes.filter((o) => o.status === "success").length,
          totalCostUsd: roundUsd(spent.costUsd),
          evaluator: evaluator.type,
          ...(verdict ? { winnerId: verdict.winner.spec.branchId } : {}),
          ...(verdict?.judge ? { judgeCostUsd: verdict.judge.costUsd } : {}),
        });
      const verdict = await evaluateBranches(outcomes, {
        evaluator,
        task: request.prompt,
        outputFormat: scope.plan.runner.outputFormat,
        judgeModel: plan.judgeModel,
        env: plan.env,
        signal,
        warn: (content) => scope.emit({ type: "warning", code: "BRANCH_JUDGE", content }),
        checkBudget: budget.checkBudget,
      }).catch((error: unknown) => {
        if (!signal.aborted && spent) summary(spent);
        throw error;
      });
      spent = spentOn([...earlier, ...outcomes], verdict);
      // The judge's call counts too; passing the budget with it ends the run like a branch's would.
      if (verdict.judge) budget.spend.record(verdict.judge.usage, verdict.judge.costUsd);
      if (signal.aborted) {
        summary(spent, verdict);
        throw signal.reason;
      }
      const { winner } = verdict;
      scope.emit({
        type: "branch_selected",
        content: `selected ${winner.spec.branchId}: ${verdict.reason}`,
        branchId: winner.spec.branchId,
        branchIndex: winner.spec.index,
        reason: verdict.reason,
        ...(verdict.scores ? { scores: verdict.scores } : {}),
      });
      summary(spent, verdict);
      for (const file of winner.files) scope.emit(file);
      return {
        result: resultOf(verdict, spent),
        filesCount: winner.files.length,
        branching: {
          count: outcomes.length,
          winnerId: winner.spec.branchId,
          evaluator: evaluator.type,
        },
      };
    },
  };
}
