// A run's spending ceiling, enforced by the host's model gateway, and how a request tightens it.
import * as z from "zod";

/**
 * Every field is optional; a missing one means no ceiling of that kind. Input tokens count the
 * whole prompt of every call (uncached, cache reads and cache writes), since all of it is billed.
 */
export const BudgetSchema = z.strictObject({
  maxCostUsd: z.number().positive().max(100_000).optional(),
  maxInputTokens: z.int().positive().max(1_000_000_000_000).optional(),
  maxOutputTokens: z.int().positive().max(1_000_000_000_000).optional(),
});
export type Budget = z.infer<typeof BudgetSchema>;

export const BUDGET_FIELDS = ["maxCostUsd", "maxInputTokens", "maxOutputTokens"] as const;

export type BudgetChoice =
  | { ok: true; budget: Budget }
  | { ok: false; field: `budget.${(typeof BUDGET_FIELDS)[number]}`; message: string };

/**
 * The run's budget: sandcaster.json is the ceiling and a request may only tighten it. A request
 * asking for more than the ceiling is refused (naming the field) rather than silently lowered.
 */
export function effectiveBudget(
  ceiling: Budget | undefined,
  requested: Budget | undefined,
): BudgetChoice {
  const budget: Budget = {};
  for (const field of BUDGET_FIELDS) {
    const max = ceiling?.[field];
    const asked = requested?.[field];
    if (asked !== undefined && max !== undefined && asked > max) {
      return {
        ok: false,
        field: `budget.${field}`,
        message: `budget.${field} ${asked} is above the server's ceiling of ${max}; a request may only lower it`,
      };
    }
    const value = asked ?? max;
    if (value !== undefined) budget[field] = value;
  }
  return { ok: true, budget };
}
