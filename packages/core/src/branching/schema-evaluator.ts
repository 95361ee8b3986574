// The `schema` evaluator: the branches whose answer is JSON matching the request's outputFormat
// win; among several, the cheapest (then the first). Checked here on the host: a branch's
// `structuredOutput` comes from its sandbox, which is not trusted to say its own answer is valid.
import type { OutputFormat } from "@sandcaster/protocol";
import { z } from "zod";
import { RunError } from "../run/run-error.js";
import type { BranchOutcome, Verdict } from "./branch-outcome.js";

/** Models often wrap JSON in a code fence despite being told not to; the runner accepts that too. */
function unfenced(text: string): string {
  return /^\s*```(?:json)?\s*\n([\s\S]*?)\n\s*```\s*$/.exec(text)?.[1] ?? text;
}

export function parseAgainst(
  text: string,
  format: OutputFormat,
): { ok: true; value: unknown } | { ok: false } {
  let value: unknown;
  try {
    value = JSON.parse(unfenced(text));
  } catch {
    return { ok: false };
  }
  const schema = z.fromJSONSchema(format.schema as Parameters<typeof z.fromJSONSchema>[0]);
  const parsed = schema.safeParse(value);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false };
}

export function schemaVerdict(candidates: readonly BranchOutcome[], format: OutputFormat): Verdict {
  const scores: Record<string, number> = {};
  const valid: { outcome: BranchOutcome; value: unknown }[] = [];
  for (const outcome of candidates) {
    const checked = parseAgainst(outcome.result?.content ?? "", format);
    scores[outcome.spec.branchId] = checked.ok ? 1 : 0;
    if (checked.ok) valid.push({ outcome, value: checked.value });
  }
  const best = valid.reduce<(typeof valid)[number] | undefined>(
    (kept, next) => (!kept || next.outcome.costUsd < kept.outcome.costUsd ? next : kept),
    undefined,
  );
  if (!best) {
    throw new RunError(
      "BRANCHING_FAILED",
      `no branch's answer matched outputFormat (${candidates.length} finished)`,
    );
  }
  const reason =
    valid.length === 1
      ? "the only answer that matched outputFormat"
      : `the cheapest of ${valid.length} answers that matched outputFormat`;
  return { winner: best.outcome, reason, scores, structuredOutput: best.value };
}
