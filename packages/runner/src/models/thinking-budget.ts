// Thinking levels as token budgets, for the providers that take a budget rather than an effort.
import type { ThinkingLevel } from "@sandcaster/protocol";

const BUDGETS: Record<Exclude<ThinkingLevel, "none">, number> = {
  low: 1024,
  medium: 4096,
  high: 16384,
};

export function thinkingBudget(level: ThinkingLevel | undefined): number | undefined {
  if (level === undefined || level === "none") return undefined;
  return BUDGETS[level];
}
