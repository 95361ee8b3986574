// What one branch came to, and the evaluator's verdict over all of them.
import type {
  FileEvent,
  ModelProvider,
  ResultEvent,
  SandboxProviderName,
  Usage,
} from "@sandcaster/protocol";

export interface BranchSpec {
  branchId: string;
  index: number;
  /** The prompt this branch runs (the request's, or one of the agent's alternatives). */
  prompt: string;
  provider?: ModelProvider | undefined;
  model?: string | undefined;
  sandboxProvider?: SandboxProviderName | undefined;
}

export interface BranchOutcome {
  spec: BranchSpec;
  /** The branch's own run, when it got as far as starting one. */
  runId: string | undefined;
  status: "success" | "error";
  /** The branch's accepted result (success only). */
  result: ResultEvent | undefined;
  /** Why it failed (error only). */
  error: { code: string; content: string } | undefined;
  /** The files the branch's agent wrote (the winner's become the run's). */
  files: FileEvent[];
  costUsd: number;
  usage: Usage | undefined;
  numTurns: number;
}

export interface Verdict {
  winner: BranchOutcome;
  reason: string;
  /** Each branch's score by branchId (0 to 1), when the evaluator gave them. */
  scores?: Record<string, number> | undefined;
  /** What the judge's own model call cost and used, when there was one. */
  judge?: { costUsd: number; usage: Usage } | undefined;
  /** The winner's answer parsed and checked against outputFormat (schema evaluator). */
  structuredOutput?: unknown;
}
