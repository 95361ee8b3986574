// Refusals of a branching request that its schema cannot express (they need the rest of the
// request or sandcaster.json): 400 naming the field, before anything starts.
import {
  type BranchingRequest,
  chooseModel,
  type ModelChoice,
  type QueryRequest,
  type SandcasterConfig,
} from "@sandcaster/protocol";
import { PlanError } from "../errors/plan-error.js";
import { availableModelEnv } from "../run/model-env.js";

export interface BranchingPlan {
  branching: BranchingRequest;
  /** Which model judges (llm-judge and custom); resolved once, here. */
  judgeModel: ModelChoice;
  env: Record<string, string>;
}

export function validateBranching(
  request: QueryRequest & { branching: BranchingRequest },
  config: SandcasterConfig,
  serverEnv: Readonly<Record<string, string | undefined>>,
): BranchingPlan {
  const { branching } = request;
  if (request.sessionId) {
    throw new PlanError(
      "branching",
      "a branching run cannot continue a session: each branch runs in a fresh sandbox of its own",
    );
  }
  if (branching.count !== undefined && branching.branches) {
    throw new PlanError("branching.count", "give either branching.count or branching.branches");
  }
  const evaluator = branching.evaluator ?? { type: "llm-judge" as const };
  if (evaluator.type === "schema" && !(request.outputFormat ?? config.outputFormat)) {
    throw new PlanError(
      "branching.evaluator.type",
      "the schema evaluator needs an outputFormat (in the request or sandcaster.json)",
    );
  }
  if (evaluator.type === "custom" && !evaluator.prompt) {
    throw new PlanError(
      "branching.evaluator.prompt",
      "the custom evaluator needs a prompt: the criteria its judge applies",
    );
  }
  const env = availableModelEnv(serverEnv, request.apiKeys);
  const judgeModel = chooseModel(
    evaluator.model
      ? { model: evaluator.model }
      : { provider: request.provider ?? config.provider, model: request.model ?? config.model },
    env,
  );
  if (evaluator.model && !judgeModel.ok) {
    throw new PlanError("branching.evaluator.model", judgeModel.reason);
  }
  return { branching, judgeModel, env };
}
