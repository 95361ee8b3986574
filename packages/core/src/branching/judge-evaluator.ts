// The `llm-judge` and `custom` evaluators: one model call by the server reads every finished
// branch's answer and names the best as JSON. `custom` replaces the built-in criteria with the
// caller's prompt. An answer that names no finished branch keeps the first one, with a warning:
// the branches' work is not thrown away because the judge rambled.
import { z } from "zod";
import type { BranchOutcome, Verdict } from "./branch-outcome.js";
import { callJudge, type JudgeCallInput } from "./judge-call.js";

/** A branch's answer shown to the judge at most (long answers are cut, the cut said). */
const MAX_ANSWER_CHARS = 20_000;

const DEFAULT_CRITERIA =
  "Pick the answer that best accomplishes the task: correct, complete, and clearly explained.";

const SYSTEM =
  "You compare answers that AI agents gave to the same task and pick the best one. " +
  'Reply with only a JSON object: {"winnerId": "<branchId>", "reason": "<one or two sentences>", ' +
  '"scores": {"<branchId>": <number from 0 to 1>, ...}}.';

const JudgeAnswerSchema = z.object({
  winnerId: z.string().optional(),
  winnerIndex: z.number().int().optional(),
  reason: z.string().optional(),
  reasoning: z.string().optional(),
  scores: z.record(z.string(), z.number().min(0).max(1)).optional(),
});

function shown(answer: string): string {
  if (answer.length <= MAX_ANSWER_CHARS) return answer;
  return `${answer.slice(0, MAX_ANSWER_CHARS)}\n[… ${answer.length - MAX_ANSWER_CHARS} more characters cut]`;
}

export function judgePrompt(
  task: string,
  candidates: readonly BranchOutcome[],
  criteria: string | undefined,
): string {
  const answers = candidates
    .map((c) => `### branchId: ${c.spec.branchId}\n${shown(c.result?.content ?? "")}`)
    .join("\n\n");
  return `${criteria ?? DEFAULT_CRITERIA}\n\n## Task\n${task}\n\n## Answers\n${answers}`;
}

/** The JSON object in the judge's text (bare, fenced, or amid prose), if it names a branch. */
export function readJudgeAnswer(text: string, candidates: readonly BranchOutcome[]) {
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start < 0 || end <= start) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text.slice(start, end + 1));
  } catch {
    return undefined;
  }
  const parsed = JudgeAnswerSchema.safeParse(json);
  if (!parsed.success) return undefined;
  const { winnerId, winnerIndex, scores } = parsed.data;
  const winner =
    candidates.find((c) => c.spec.branchId === winnerId) ??
    candidates.find((c) => c.spec.index === winnerIndex);
  if (!winner) return undefined;
  const known = new Set(candidates.map((c) => c.spec.branchId));
  const keptScores = Object.fromEntries(
    Object.entries(scores ?? {}).filter(([id]) => known.has(id)),
  );
  return {
    winner,
    reason: parsed.data.reason ?? parsed.data.reasoning ?? "chosen by the judge",
    scores: Object.keys(keptScores).length > 0 ? keptScores : undefined,
  };
}

export interface JudgeSettings extends Omit<JudgeCallInput, "system" | "prompt"> {
  task: string;
  criteria: string | undefined;
  /** Told why the judge's choice could not be used (a `warning` event). */
  warn(content: string): void;
}

export async function judgeVerdict(
  candidates: readonly BranchOutcome[],
  settings: JudgeSettings,
): Promise<Verdict> {
  const [first] = candidates;
  if (!first) throw new Error("judgeVerdict needs at least one finished branch");
  const { task, criteria, warn, ...call } = settings;
  const answer = await callJudge({
    ...call,
    system: SYSTEM,
    prompt: judgePrompt(task, candidates, criteria),
  }).catch((error: unknown) => {
    if (settings.signal.aborted) throw settings.signal.reason;
    warn(`the judge failed (${(error as Error).message}); kept ${first.spec.branchId}`);
    return undefined;
  });
  if (!answer) return { winner: first, reason: "the judge failed; kept the first finished branch" };
  const judge = { costUsd: answer.costUsd ?? 0, usage: answer.usage };
  const read = readJudgeAnswer(answer.text, candidates);
  if (read) return { ...read, judge };
  warn(`the judge's answer named no finished branch; kept ${first.spec.branchId}`);
  return { winner: first, reason: "the judge named no finished branch; kept the first", judge };
}
